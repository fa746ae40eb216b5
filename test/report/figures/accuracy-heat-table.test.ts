import { describe, expect, test } from "bun:test";
import { compileSpec } from "../../../src/report/compile-spec.ts";
import { renderSvg } from "../../../src/report/render-svg.ts";
import { accuracyHeatTable } from "../../../src/report/figures/accuracy-heat-table.ts";
import { sampleAccuracyCells } from "../sample-pages.ts";
import { countMarks } from "./spec-inspection.ts";

// Zero vega-lite warnings required: a warning means an encoding was silently dropped.
describe("accuracyHeatTable", () => {
  test("one cell per (root, split), ours and the paper's number as text", async () => {
    const spec = accuracyHeatTable(sampleAccuracyCells);
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(countMarks(svg, "rect", "path")).toBe(4);
    expect(svg).toContain(">0.42</text>");
    expect(svg).toContain(">paper 0.89</text>");
    expect(svg).not.toContain("paper 0.80");
  });
});
