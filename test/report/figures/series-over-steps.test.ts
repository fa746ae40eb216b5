import { describe, expect, test } from "bun:test";
import { compileSpec } from "../../../src/report/compile-spec.ts";
import { renderSvg } from "../../../src/report/render-svg.ts";
import { seriesOverSteps } from "../../../src/report/figures/series-over-steps.ts";
import { sampleStepPoints } from "../sample-pages.ts";
import { countMarks } from "./spec-inspection.ts";

// Zero vega-lite warnings required: a warning means an encoding was silently dropped.
describe("seriesOverSteps", () => {
  test("one line per series, small multiples when points carry a panel", async () => {
    const single = seriesOverSteps(sampleStepPoints(false), { yTitle: "kurtosis" });
    expect(compileSpec(single).warnings).toEqual([]);
    expect(countMarks(await renderSvg(single), "line", "path")).toBe(2);
    const panels = seriesOverSteps(sampleStepPoints(true));
    expect(compileSpec(panels).warnings).toEqual([]);
    const svg = await renderSvg(panels);
    expect(countMarks(svg, "line", "path")).toBe(4);
    expect(svg).toContain(">kurtosis</text>");
  });
});
