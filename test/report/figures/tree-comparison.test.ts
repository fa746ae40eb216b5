import { describe, expect, test } from "bun:test";
import { compileSpec } from "../../../src/report/compile-spec.ts";
import { renderSvg } from "../../../src/report/render-svg.ts";
import { treeComparisonFigure } from "../../../src/report/figures/tree-comparison.ts";
import { sampleRecovered, sampleTruth } from "../sample-pages.ts";
import { countMarks, embeddedValues } from "./spec-inspection.ts";

// Zero vega-lite warnings required: a warning means an encoding was silently dropped.
describe("treeComparisonFigure", () => {
  test("both trees drawn, the one wrong edge red, the missed true edge orange", async () => {
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
