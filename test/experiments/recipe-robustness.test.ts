/**
 * `experiments/recipe-robustness.ts --quick`: the chains must really be trained under their
 * recipes (LoRA on every Linear changes the MLP weights by a low-rank update), and the
 * printed agreement and monotonicity must be what the checkpoints and snapshots give.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnExperiment, tableRow, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { checkReportPagesInBrowser } from "../../src/report/index.ts";
import type { LayerStats, TruthGraph } from "../../src/types.ts";
import { agreementOracle, ATTENTION_WEIGHT, attentionKurtosisOracle, section, spearmanAgainstOrder } from "./direction-oracles.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

interface SavedChains {
  recipe: string;
  truth: TruthGraph;
  folders: Record<string, string>;
}

async function weight(folder: string, name: string): Promise<Float32Array | Float64Array> {
  const tensor = (await openSafetensorsFile(join(folder, "model.safetensors"))).find((t) => t.name === name)!;
  return readTensor(tensor);
}

describe("experiments/recipe-robustness.ts --quick", () => {
  test("prints per-recipe agreement and monotonicity the saved chains give", async () => {
    const reports = temporaryFolder("mother-recipes-");
    const run = await spawnExperiment("recipe-robustness", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toMatchObject({ code: 0 });

    const saved = JSON.parse(await readFile(join(reports, "data", "recipe-robustness", "chains.json"), "utf8")) as SavedChains[];
    expect(saved.map((s) => s.recipe)).toEqual(["adamw-default", "lora-all-r8"]);
    const agreementRow = tableRow(section(run.stdout, "Direction agreement by recipe"), ["kurtosis/attention"]);
    const monotonicityRow = tableRow(section(run.stdout, "Monotonicity over fine-tuning"), ["kurtosis/attention"]);
    for (const [r, { recipe, truth, folders }] of saved.entries()) {
      expect(truth.edges).toHaveLength(4); // quick: 2 roots × 1 chain × (child, grandchild)
      const scores = new Map(await Promise.all(Object.entries(folders).map(async ([id, folder]) => [id, await attentionKurtosisOracle(folder)] as const)));
      expect(agreementRow[r]!).toBeCloseTo(agreementOracle(truth, scores), 3);

      const rhos = await Promise.all(
        truth.edges.map(async ({ child }) => {
          const snapshots = JSON.parse(await readFile(join(folders[child]!, "snapshots.json"), "utf8")) as { stats: Record<string, LayerStats> }[];
          return spearmanAgainstOrder(
            snapshots.map((s) =>
              Object.entries(s.stats)
                .filter(([name]) => ATTENTION_WEIGHT.test(name))
                .reduce((sum, [, st]) => sum + st.kurtosis, 0),
            ),
          );
        }),
      );
      expect(monotonicityRow[r]!).toBeCloseTo(-rhos.reduce((a, b) => a + b, 0) / rhos.length, 3);

      if (recipe === "lora-all-r8") {
        // LoRA on every Linear: the MLP weight moved, by an update of rank ≤ 8 (merged in f32)
        const edge = truth.edges[0]!;
        const name = "vit.encoder.layer.0.intermediate.dense.weight";
        const [parent, child] = await Promise.all([weight(folders[edge.parent]!, name), weight(folders[edge.child]!, name)]);
        const columns = 48; // VTHR ViT dim; intermediate.dense is [192, 48]
        const delta = new Matrix(
          Array.from({ length: child.length / columns }, (_, row) =>
            Array.from({ length: columns }, (_, col) => child[row * columns + col]! - parent[row * columns + col]!),
          ),
        );
        const singular = new SingularValueDecomposition(delta).diagonal;
        expect(singular[0]!).toBeGreaterThan(0);
        expect(singular[8]! / singular[0]!).toBeLessThan(1e-3);
      }
    }

    const checks = await checkReportPagesInBrowser(reports);
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(checks.find((c) => c.file.endsWith("recipe-robustness.html"))!.figures).toBe(2);
  }, 120_000);
});
