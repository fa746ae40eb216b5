import { describe, expect, test } from "bun:test";
import { compileSpec } from "../../../src/report/compile-spec.ts";
import { renderSvg } from "../../../src/report/render-svg.ts";
import { lineWithBand } from "../../../src/report/figures/line-with-band.ts";
import { sampleBandPoints } from "../sample-pages.ts";
import { countMarks, embeddedValues } from "./spec-inspection.ts";

// Zero vega-lite warnings required: a warning means an encoding was silently dropped.
describe("lineWithBand", () => {
  test("band, mean line and the paper's crosses", async () => {
    const spec = lineWithBand(sampleBandPoints, {
      reference: [
        { x: 100, value: 0.89 },
        { x: 20, value: 0.7 },
      ],
      xTitle: "sub-tree size (%)",
    });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(countMarks(svg, "area", "path")).toBe(1);
    expect(countMarks(svg, "line", "path")).toBe(1);
    expect(countMarks(svg, "symbol", "path")).toBe(5 + 2);
    const band = embeddedValues(spec).find((row) => row.x === 40)!;
    expect(band.low).toBeCloseTo(0.66 - 0.05);
    expect(band.high).toBeCloseTo(0.66 + 0.05);
  });
});
