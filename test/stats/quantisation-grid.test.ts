import { describe, expect, test } from "bun:test";
import { gridLevels, gridRounding, onGrid } from "../../src/stats/quantisation-grid.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";

describe("onGrid", () => {
  test("accepts offset + k · step within the tolerance and refuses anything between steps", () => {
    expect(onGrid([0.5, 0.75, 1.5, 0.5 + 3 * 0.25 + 1e-6], 0.5, 0.25)).toBe(true);
    expect(onGrid([0.5, 0.6], 0.5, 0.25)).toBe(false);
    expect(onGrid([0, 0], 0, 0)).toBe(false);
  });
});

describe("gridLevels", () => {
  const row = Float32Array.from(makeGaussian(256, 5), (x) => 0.05 * x);
  let largest = 0;
  for (const x of row) largest = Math.max(largest, Math.abs(x));

  test("trained weights lie on no grid", () => {
    expect(gridLevels(row)).toBe(0);
  });

  test("an int8 round trip (k · max|row| / 127) is on the 255-level grid, and moved by at most gridRounding", () => {
    const step = largest / 127;
    const quantised = row.map((x) => Math.round(x / step) * step);
    expect(gridLevels(quantised)).toBe(255);
    let moved = 0;
    for (let i = 0; i < row.length; i++) moved = Math.max(moved, Math.abs(quantised[i]! - row[i]!));
    expect(moved).toBeLessThanOrEqual(gridRounding(255, largest) * 1.0001);
  });

  test("a 16-level affine round trip is on the 16-level grid", () => {
    let min = Infinity;
    let max = -Infinity;
    for (const x of row) [min, max] = [Math.min(min, x), Math.max(max, x)];
    const step = (max - min) / 15;
    expect(gridLevels(row.map((x) => min + Math.round((x - min) / step) * step))).toBe(16);
  });

  test("short rows say nothing: a few values can land on a grid by chance", () => {
    expect(gridLevels([0.1, 0.2, 0.3])).toBe(0);
  });
});
