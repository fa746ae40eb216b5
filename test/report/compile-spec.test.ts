import { describe, expect, test } from "bun:test";
import type { TopLevelSpec } from "vega-lite";
import { compileSpec } from "../../src/report/compile-spec.ts";
import { BugError } from "../../src/errors.ts";

describe("compileSpec", () => {
  test("returns Vega with no warnings for a clean spec", () => {
    const compiled = compileSpec({ data: { values: [{ a: 1 }] }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } });
    expect(compiled.warnings).toEqual([]);
    expect(compiled.vega.marks?.length).toBeGreaterThan(0);
  });

  test("collects vega-lite's warnings instead of printing them", () => {
    const spec = {
      data: { values: [{ a: 1 }] },
      mark: "point",
      encoding: { x: { field: "a", type: "quantitative" }, xOffset: { field: "a", type: "nominal" } },
    } as TopLevelSpec;
    expect(compileSpec(spec).warnings.join("\n")).toContain("xOffset");
  });

  test("names the figure when a spec does not compile", () => {
    const broken = { title: "Fig. 9", data: { values: [] }, mark: "nonsense" } as unknown as TopLevelSpec;
    expect(() => compileSpec(broken)).toThrow(BugError);
    expect(() => compileSpec(broken)).toThrow('figure "Fig. 9": Vega-Lite spec does not compile');
  });
});
