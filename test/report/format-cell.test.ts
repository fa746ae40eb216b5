import { describe, expect, test } from "bun:test";
import { formatCell, formatColumn } from "../../src/report/format-cell.ts";

describe("formatCell", () => {
  test("integers stay whole, fractions get 3 decimals, extremes go exponential, null is a dash", () => {
    expect([formatCell(105), formatCell(0.87654), formatCell(0), formatCell(2.5e-5), formatCell(3e7 + 0.5), formatCell(null), formatCell("FT")]).toEqual([
      "105",
      "0.877",
      "0",
      "2.50e-5",
      "3.00e+7",
      "–",
      "FT",
    ]);
  });
});

describe("formatColumn", () => {
  test("gives a perfect 1 three decimals when its neighbours have fractions", () => {
    expect(formatColumn([1, 0.95, null])).toEqual(["1.000", "0.950", "–"]);
    expect(formatColumn([105, 21])).toEqual(["105", "21"]);
  });
});
