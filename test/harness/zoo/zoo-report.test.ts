import { describe, expect, test } from "bun:test";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CHROMIUM_ARGS, CHROMIUM_PATH, checkReportPagesInBrowser } from "../../../src/report/index.ts";
import { writeReportPage } from "../../../src/report/write-report-page.ts";
import { modelZooPage } from "../../../src/harness/zoo/zoo-report.ts";
import { ZooBuilder } from "../../../src/harness/zoo/zoo-members.ts";
import type { GraphEdge, ModelGraph } from "../../../src/types.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

/** Chromium start plus a page with a 130-model drawing takes seconds on 2 shared cores. */
const BROWSER_TIMEOUT_MS = 60_000;
const quiet = { log: () => {}, now: () => new Date("2026-01-01T00:00:00Z") };
const dir = temporaryFolder("mother-zoo-report-");

/** One base with 8 full children, each with 8 full and 6 LoRA children, a GGUF copy and a merge: 123 models in one tree. */
function bigZoo() {
  const zoo = new ZooBuilder();
  const tree = "base";
  zoo.add({ id: tree, tree, make: "trained" });
  for (let c = 0; c < 8; c++) {
    zoo.add({ id: `ft.base.c${c}`, tree, make: "trained", parent: tree });
    for (let g = 0; g < 8; g++) zoo.add({ id: `ft.base.c${c}.g${g}`, tree, make: "trained", parent: `ft.base.c${c}` });
    for (let a = 0; a < 6; a++)
      zoo.add({ id: `ft.base.c${c}.lora${a}`, tree, make: "trained", parent: `ft.base.c${c}`, lora: { rank: 4, alpha: 4, targets: [] } });
  }
  zoo.add({ id: "ft.base.c0.Q8_0", tree, make: "gguf", source: "ft.base.c0", type: "Q8_0" });
  zoo.add({ id: "merge.base.linear", tree, make: "merge", parents: ["ft.base.c0", "ft.base.c1"], method: { kind: "linear", weights: [1, 1] } });
  return zoo.plan();
}

describe("the model-zoo page", () => {
  const zoo = bigZoo();
  // Recovered: the truth with one grandchild under the wrong parent and one adapter typed as a fine-tune.
  const edges: GraphEdge[] = zoo.truth.edges.map((e) => {
    if (e.child === "ft.base.c3.g2") return { parent: "ft.base.c4", child: e.child, type: "finetune", distance: 1 };
    if (e.child === "ft.base.c5.lora1") return { ...e, type: "finetune", distance: 1 };
    return { ...e, type: e.type!, distance: 1 };
  });
  const graph = { models: [], edges, trees: [zoo.members.map((m) => m.id)], notes: [], directions: [] } as unknown as ModelGraph;
  const page = modelZooPage(zoo, [{ label: "ours", graph }], { seconds: 1, fresh: 0, gguf: { files: 0, problems: [] } });

  test("its tables say what is wrong: the misplaced grandchild and the mistyped adapter, nothing else", () => {
    const wrong = (page.tables ?? []).find((t) => t.title.startsWith("Models whose parents"))!;
    expect(wrong.rows.map((r) => r[0])).toEqual(["ft.base.c3.g2", "ft.base.c5.lora1"]);
    expect(page.figures).toHaveLength(1);
  });

  test(
    "renders in Chromium: no console error, marks drawn, and at 123 models no two labels overlap (screenshot kept beside the page)",
    async () => {
      await writeReportPage(dir, page, { effects: quiet });
      const [result] = (await checkReportPagesInBrowser(dir)).filter((r) => r.file.endsWith("model-zoo.html"));
      expect(result!.problems).toEqual([]);
      expect(zoo.members).toHaveLength(123);
      expect(result!.marksPerFigure[0]!).toBeGreaterThan(2 * 123);
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
      try {
        const tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        await tab.goto(pathToFileURL(join(dir, "model-zoo.html")).href);
        await tab.waitForFunction(() => document.body.dataset.rendered === "done");
        const boxes = await tab.evaluate(() =>
          [...document.querySelectorAll("[data-spec] svg g.mark-text text")].map((text) => {
            const box = (text as SVGGraphicsElement).getBoundingClientRect();
            return { text: text.textContent ?? "", left: box.left, right: box.right, top: box.top, bottom: box.bottom };
          }),
        );
        // Every model's label, in both panels (the page drops the tree's name from ids).
        const names = new Set(zoo.members.map((m) => m.id.replace(".base.", ".")));
        const labels = boxes.filter((b) => names.has(b.text));
        expect(labels).toHaveLength(2 * 123);
        const overlapping = labels.flatMap((a, i) =>
          labels.slice(i + 1).flatMap((b) => (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom ? [`${a.text} / ${b.text}`] : [])),
        );
        expect(overlapping).toEqual([]);
        const shot = join(dir, "model-zoo-figure.png");
        await (await tab.$("[data-spec]"))!.screenshot({ path: shot });
        expect((await stat(shot)).size).toBeGreaterThan(10_000);
      } finally {
        await browser.close();
      }
    },
    BROWSER_TIMEOUT_MS,
  );
});
