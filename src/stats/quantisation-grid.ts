/**
 * Whether a row of weights sits on a quantisation grid: trained weights never do, while a
 * quantised-then-dequantised copy (int8, 4-bit) does in every row. Recovery uses it to attach
 * such a copy under its source instead of letting the direction score pick their order.
 */

/** Relative slack of a grid test: F32 storage of q · s is off by ≈ 6e-8 · q, far below this. */
const GRID_TOLERANCE = 1e-3;

/** Whether every value of `row` is (within GRID_TOLERANCE of a step) `offset + k · step`. */
export function onGrid(row: ArrayLike<number>, offset: number, step: number): boolean {
  if (!(step > 0)) return false;
  for (let i = 0; i < row.length; i++) {
    const k = (row[i]! - offset) / step;
    if (Math.abs(k - Math.round(k)) > GRID_TOLERANCE) return false;
  }
  return true;
}

/**
 * The grid a row lies on: 255 for symmetric int8 (k · max|row| / 127), 16 for 16-level affine
 * (min + k · (max − min) / 15), 0 for none. Rows of fewer than 32 values say nothing (0): a
 * short row can land on a grid by chance.
 */
export function gridLevels(row: ArrayLike<number>): 0 | 16 | 255 {
  if (row.length < 32) return 0;
  let largest = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    largest = Math.max(largest, Math.abs(v));
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (onGrid(row, min, (max - min) / 15)) return 16;
  if (onGrid(row, 0, largest / 127)) return 255;
  return 0;
}

/** Largest rounding a grid of `levels` levels applies to a weight whose row reaches `largest`. */
export function gridRounding(levels: 16 | 255, largest: number): number {
  return levels === 255 ? largest / 254 : largest / 15;
}
