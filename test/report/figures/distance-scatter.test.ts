import { describe, expect, test } from "bun:test";
import { compileSpec } from "../../../src/report/compile-spec.ts";
import { renderSvg } from "../../../src/report/render-svg.ts";
import { distanceScatter } from "../../../src/report/figures/distance-scatter.ts";
import { sampleDistancePoints } from "../sample-pages.ts";
import { countMarks } from "./spec-inspection.ts";

// Zero vega-lite warnings required: a warning means an encoding was silently dropped.
describe("distanceScatter", () => {
  test("a point per pair and a regression line per group", async () => {
    const spec = distanceScatter(sampleDistancePoints(), { correlations: ["FT: Spearman ρ 0.97"] });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(countMarks(svg, "symbol", "path")).toBe(24);
    expect(countMarks(svg, "line", "path")).toBe(2);
    expect(svg).toContain("Spearman ρ 0.97");
  });
});
