import { describe, expect, test } from "bun:test";
import { renderSvg } from "../../src/report/render-svg.ts";

describe("renderSvg", () => {
  test("renders one bar per datum, headless, without a canvas package", async () => {
    const svg = await renderSvg({
      data: {
        values: [
          { root: "r0", accuracy: 0.9 },
          { root: "r1", accuracy: 0.5 },
          { root: "r2", accuracy: 0.7 },
        ],
      },
      mark: "bar",
      encoding: { x: { field: "root", type: "nominal" }, y: { field: "accuracy", type: "quantitative" } },
    });
    expect(svg.startsWith("<svg")).toBe(true);
    const barGroup = /<g class="mark-rect role-mark[^>]*>(.*?)<\/g>/s.exec(svg);
    expect(barGroup).not.toBeNull();
    expect(barGroup![1]!.match(/<path/g)!.length).toBe(3);
    expect(svg).toContain(">r1</text>");
  });

  test("leaves the caller's spec untouched (vega would tag each datum)", async () => {
    const values = [{ a: 1 }];
    await renderSvg({ data: { values }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } });
    expect(Object.getOwnPropertySymbols(values[0]!)).toEqual([]);
  });
});
