/**
 * `experiments/vthr.ts --quick` end to end: it trains (or finds in the shared test cache) the
 * quick VTHR trees, and must leave a report page, Arrow statistics of every model, and
 * accuracies that are exactly what the saved recovered graphs score against the saved truth.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { readStatsTable, statsFromArrow } from "../../src/stats/stats-table.ts";
import { checkReportPagesInBrowser } from "../../src/report/index.ts";
import type { ModelGraph, TruthGraph } from "../../src/types.ts";
import { spawnExperiment, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("experiments/vthr.ts --quick", () => {
  test("writes Table 1 from recovered edges scored against the recorded truth, with Arrow statistics of every model", async () => {
    const reports = temporaryFolder("mother-vthr-");
    const { code, stdout, stderr } = await spawnExperiment("vthr", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code, stderr: stderr.slice(-2000) }).toMatchObject({ code: 0 });

    for (const split of ["ft", "lora-f", "lora-v"]) {
      const data = join(reports, "data", "vthr");
      const truth = JSON.parse(await readFile(join(data, `${split}-truth.json`), "utf8")) as TruthGraph;
      const graph = JSON.parse(await readFile(join(data, `${split}-recovered.json`), "utf8")) as ModelGraph;
      expect(truth.models).toHaveLength(2 + 2 * (2 + 2 * 1)); // quick: 2 roots, each 2 children with 1 grandchild
      const accuracy = evaluateGraph(graph, truth).edges.accuracy;
      // The terminal's "ours vs paper" line for this split: "<split> Model Graph accuracy <ours> <paper>".
      const title = { ft: "FT", "lora-f": "LoRA-F", "lora-v": "LoRA-V" }[split]!;
      const row = stdout.split("\n").find((line) => line.startsWith(`${title} Model Graph accuracy`));
      expect(row).toBeDefined();
      expect(Number(row!.match(/\d+\.\d+/)![0])).toBeCloseTo(accuracy, 3);

      const rows = statsFromArrow(await readStatsTable(join(data, `${split}-layer-stats.arrow`)));
      expect(new Set(rows.map((r) => r.model))).toEqual(new Set(truth.models.map((m) => m.id)));
      expect(rows.every((r) => Number.isFinite(r.stats.kurtosis) && r.stats.count === r.shape.reduce((a, b) => a * b, 1))).toBe(true);
    }

    const index = await readFile(join(reports, "index.html"), "utf8");
    expect(index).toContain("vthr-table-1.html");
    const checks = await checkReportPagesInBrowser(reports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(checks.find((c) => c.file.endsWith("vthr-table-1.html"))!.figures).toBeGreaterThanOrEqual(4);
  }, 170_000);
});
