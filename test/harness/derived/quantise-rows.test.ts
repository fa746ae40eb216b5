import { describe, expect, test } from "bun:test";
import { affineQuantiseRows, roundHalfEven, symmetricQuantiseRows } from "../../../src/harness/derived/quantise-rows.ts";

describe("roundHalfEven", () => {
  test("rounds exact halves to the even neighbour and everything else to the nearest", () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.4, 1.6, -1.6].map((x) => roundHalfEven(x) + 0)).toEqual([-2, -2, 0, 0, 2, 2, 1, 2, -2]);
  });
});

describe("symmetricQuantiseRows (int8)", () => {
  test("matches hand-computed levels per row: s = max|row| / 127", () => {
    // Row 0: max 127 → s = 1: 0.4 → 0, 0.6 → 1, −127 kept, 50.5 → 50 (half to even).
    // Row 1: max 254 → s = 2: 3 → 1.5 levels → 2 levels = 4, 101 → 50.5 → 50 levels = 100, 254 kept, 0 kept.
    const out = symmetricQuantiseRows(new Float64Array([0.4, 0.6, -127, 50.5, 3, 101, 254, 0]), 4, 127);
    expect(Array.from(out)).toEqual([0, 1, -127, 50, 4, 100, 254, 0]);
  });

  test("moves every value by at most s/2 and keeps each row's largest |w|", () => {
    const columns = 37;
    const values = new Float32Array(columns * 5).map((_, i) => Math.sin(i * 12.9898) * (1 + (i % 7)));
    const out = symmetricQuantiseRows(values, columns, 127);
    for (let r = 0; r < 5; r++) {
      const row = values.subarray(r * columns, (r + 1) * columns);
      const s = Math.max(...Array.from(row, Math.abs)) / 127;
      for (let i = 0; i < columns; i++) {
        expect(Math.abs(out[r * columns + i]! - row[i]!)).toBeLessThanOrEqual(s / 2 + 1e-12);
        expect(Math.abs(roundHalfEven(out[r * columns + i]! / s) - out[r * columns + i]! / s)).toBeLessThan(1e-9);
      }
      expect(Math.max(...Array.from(out.subarray(r * columns, (r + 1) * columns), Math.abs))).toBeCloseTo(s * 127, 12);
    }
  });

  test("an all-zero row stays zero and the input is not modified", () => {
    const values = new Float64Array([0, 0, 0, 3, -3, 1]);
    const out = symmetricQuantiseRows(values, 3, 127);
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(values)).toEqual([0, 0, 0, 3, -3, 1]);
  });

  test("refuses a column count that does not divide the values", () => {
    expect(() => symmetricQuantiseRows(new Float64Array(6), 4, 127)).toThrow("cannot have 4 columns");
  });
});

describe("affineQuantiseRows (4-bit)", () => {
  test("maps a row to 16 evenly spaced levels from its min to its max", () => {
    // min −3, max 12 → step 1: 4.25 → 4, 4.75 → 5, −2.5 → 0.5 levels → 0 → −3 (half to even), −1.5 → 1.5 → 2 → −1.
    const out = affineQuantiseRows(new Float64Array([-3, 12, 4.25, 4.75, -2.5, -1.5]), 6, 16);
    expect(Array.from(out)).toEqual([-3, 12, 4, 5, -3, -1]);
  });

  test("uses at most 16 distinct values per row, moves each by at most step/2, keeps a constant row", () => {
    const columns = 64;
    const values = new Float64Array(columns * 3).map((_, i) => Math.cos(i * 78.233) * 0.3);
    values.fill(0.25, 2 * columns);
    const out = affineQuantiseRows(values, columns, 16);
    for (let r = 0; r < 2; r++) {
      const row = values.subarray(r * columns, (r + 1) * columns);
      const step = (Math.max(...row) - Math.min(...row)) / 15;
      expect(new Set(out.subarray(r * columns, (r + 1) * columns)).size).toBeLessThanOrEqual(16);
      for (let i = 0; i < columns; i++) expect(Math.abs(out[r * columns + i]! - row[i]!)).toBeLessThanOrEqual(step / 2 + 1e-12);
    }
    expect(Array.from(out.subarray(2 * columns))).toEqual(new Array(columns).fill(0.25));
  });
});
