import { describe, expect, test } from "bun:test";
import type { TopLevelSpec } from "vega-lite";
import { compileSpec } from "../../../src/report/compile-spec.ts";
import { renderSvg } from "../../../src/report/render-svg.ts";
import { accuracyHeatTable } from "../../../src/report/figures/accuracy-heat-table.ts";
import { distanceScatter } from "../../../src/report/figures/distance-scatter.ts";
import { lineWithBand } from "../../../src/report/figures/line-with-band.ts";
import { seriesOverSteps } from "../../../src/report/figures/series-over-steps.ts";
import { treeComparisonFigure } from "../../../src/report/figures/tree-comparison.ts";
import { sampleAccuracyCells, sampleBandPoints, sampleDistancePoints, sampleRecovered, sampleStepPoints, sampleTruth } from "../sample-pages.ts";

/** The marks of one vega mark type in a rendered SVG: the children of its role-mark groups. */
function countMarks(svg: string, markType: string, element: string): number {
  let count = 0;
  for (const group of svg.matchAll(new RegExp(`<g class="mark-${markType} role-mark[^"]*"[^>]*>(.*?)</g>`, "gs"))) {
    count += (group[1]!.match(new RegExp(`<${element}[ >]`, "g")) ?? []).length;
  }
  return count;
}

function embeddedValues(spec: TopLevelSpec): Record<string, unknown>[] {
  return (spec as { data: { values: Record<string, unknown>[] } }).data.values;
}

// Each builder must compile with zero vega-lite warnings: a warning means an encoding was dropped.
describe("figure builders", () => {
  test("accuracy heat table: one cell per (root, split), ours and the paper's number as text", async () => {
    const spec = accuracyHeatTable(sampleAccuracyCells);
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(countMarks(svg, "rect", "path")).toBe(4);
    expect(svg).toContain(">0.42</text>");
    expect(svg).toContain(">paper 0.89</text>");
    expect(svg).not.toContain("paper 0.80");
  });

  test("distance scatter: a point per pair and a regression line per group", async () => {
    const spec = distanceScatter(sampleDistancePoints(), { correlations: ["FT: Spearman ρ 0.97"] });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(countMarks(svg, "symbol", "path")).toBe(24);
    expect(countMarks(svg, "line", "path")).toBe(2);
    expect(svg).toContain("Spearman ρ 0.97");
  });

  test("series over steps: one line per series, small multiples when points carry a panel", async () => {
    const single = seriesOverSteps(sampleStepPoints(false), { yTitle: "kurtosis" });
    expect(compileSpec(single).warnings).toEqual([]);
    expect(countMarks(await renderSvg(single), "line", "path")).toBe(2);
    const panels = seriesOverSteps(sampleStepPoints(true));
    expect(compileSpec(panels).warnings).toEqual([]);
    const svg = await renderSvg(panels);
    expect(countMarks(svg, "line", "path")).toBe(4);
    expect(svg).toContain(">kurtosis</text>");
  });

  test("line with band: band, mean line and the paper's crosses", async () => {
    const spec = lineWithBand(sampleBandPoints, { reference: [{ x: 100, value: 0.89 }, { x: 20, value: 0.7 }], xTitle: "sub-tree size (%)" });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(countMarks(svg, "area", "path")).toBe(1);
    expect(countMarks(svg, "line", "path")).toBe(1);
    expect(countMarks(svg, "symbol", "path")).toBe(5 + 2);
    const band = embeddedValues(spec).find((row) => row.x === 40)!;
    expect(band.low).toBeCloseTo(0.66 - 0.05);
    expect(band.high).toBeCloseTo(0.66 + 0.05);
  });

  test("tree comparison: both trees drawn, the one wrong edge red, the missed true edge orange", async () => {
    const spec = treeComparisonFigure({ recovered: sampleRecovered, truth: sampleTruth });
    expect(compileSpec(spec).warnings).toEqual([]);
    const edges = embeddedValues(spec).filter((row) => row.kind === "edge");
    expect(edges.filter((row) => row.status === "wrong").map((row) => [row.panel, row.id])).toEqual([["recovered", "b → a2"]]);
    expect(edges.filter((row) => row.status === "missed").map((row) => [row.panel, row.id])).toEqual([["truth", "a → a2"]]);
    const svg = await renderSvg(spec);
    expect(countMarks(svg, "symbol", "path")).toBe(12);
    expect(countMarks(svg, "rule", "line")).toBe(10);
    expect(svg).toContain('stroke="#d62728"');
    expect(svg).toContain('stroke="#ff7f0e"');
  });
});
