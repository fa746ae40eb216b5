import { accuracyHeatTable } from "../../src/report/figures/accuracy-heat-table.ts";
import { distanceScatter } from "../../src/report/figures/distance-scatter.ts";
import { lineWithBand } from "../../src/report/figures/line-with-band.ts";
import { seriesOverSteps } from "../../src/report/figures/series-over-steps.ts";
import { treeComparisonFigure } from "../../src/report/figures/tree-comparison.ts";
import type { ReportPage } from "../../src/report/report-page.ts";

/** Fixture data for report tests: small, deterministic, shaped like the experiments' real results. */
export const sampleAccuracyCells = [
  { split: "FT", root: "root-0", ours: 1, paper: 1 },
  { split: "FT", root: "all", ours: 0.95, paper: 0.92 },
  { split: "LoRA-V", root: "root-0", ours: 0.8 },
  { split: "LoRA-V", root: "all", ours: 0.42, paper: 0.89 },
];

export const sampleTruth = [
  { parent: "root", child: "a" },
  { parent: "root", child: "b" },
  { parent: "a", child: "a1" },
  { parent: "a", child: "a2" },
  { parent: "b", child: "b1" },
];

/** One edge wrong: a2 hangs under b instead of a. */
export const sampleRecovered = [
  { parent: "root", child: "a" },
  { parent: "root", child: "b" },
  { parent: "a", child: "a1" },
  { parent: "b", child: "a2" },
  { parent: "b", child: "b1" },
];

export function sampleDistancePoints() {
  const points = [];
  for (const group of ["FT", "LoRA"]) {
    for (let edgeDistance = 1; edgeDistance <= 4; edgeDistance += 1) {
      for (let pair = 0; pair < 3; pair += 1) points.push({ group, edgeDistance, weightDistance: edgeDistance * (group === "FT" ? 2 : 1) + pair * 0.1 });
    }
  }
  return points;
}

export function sampleStepPoints(withPanels: boolean) {
  const points = [];
  for (const panel of withPanels ? ["kurtosis", "mean"] : [undefined]) {
    for (const series of ["root-0", "root-1"]) {
      for (let step = 0; step <= 500; step += 100) {
        points.push({ step, series, value: Math.log1p(step) + (series === "root-1" ? 1 : 0), ...(panel ? { panel } : {}) });
      }
    }
  }
  return points;
}

export const sampleBandPoints = [20, 40, 60, 80, 100].map((x) => ({ x, mean: 0.5 + x / 250, std: 0.05 }));

/** Two pages that together use every figure builder. */
export function samplePages(): ReportPage[] {
  return [
    {
      slug: "table-1",
      title: "Table 1: accuracy per root and split",
      description: "Edge accuracy of the recovered Model Graph per tree root. Synthetic fixture numbers.",
      figures: [
        { title: "Accuracy per root", spec: accuracyHeatTable(sampleAccuracyCells), caption: "Darker is better; the paper's number is under ours." },
        { title: "Recovered vs true tree", spec: treeComparisonFigure({ recovered: sampleRecovered, truth: sampleTruth }), caption: "Red: a wrong edge." },
      ],
      tables: [
        {
          title: "Accuracy",
          columns: ["split", "root", "ours", "paper"],
          rows: sampleAccuracyCells.map((c) => [c.split, c.root, c.ours, c.paper ?? null]),
          note: "fixture",
        },
      ],
      paperComparison: {
        source: "Table 1",
        rows: [
          { quantity: "FT, all", ours: 0.95, paper: 0.92 },
          { quantity: "LoRA-V, all", ours: 0.42, paper: 0.89, note: "<script>alert(1)</script>" },
        ],
      },
    },
    {
      slug: "figure-2-3",
      title: "Figures 2 and 3: distances and directional score",
      description: "Distance vs edge distance, score over steps, accuracy vs sub-tree size.",
      summary: "Three figure kinds on one page.",
      figures: [
        {
          title: "Distance vs edge distance",
          spec: distanceScatter(sampleDistancePoints(), { correlations: ["FT: Spearman ρ 0.97"] }),
          caption: "One line per group.",
        },
        { title: "Score over steps", spec: seriesOverSteps(sampleStepPoints(false)), caption: "One line per root." },
        { title: "Variants over steps", spec: seriesOverSteps(sampleStepPoints(true)), caption: "One panel per statistic." },
        { title: "Accuracy vs sub-tree size", spec: lineWithBand(sampleBandPoints, { reference: [{ x: 100, value: 0.89 }] }), caption: "Mean ± std." },
      ],
    },
  ];
}
