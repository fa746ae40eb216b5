/**
 * What a layer's first chunk tells of each model beside its sums (layer-pass.ts): the share of
 * exact zeros (a pruned copy), the quantisation grid of its first rows (an int8 or 4-bit copy),
 * and, with the power sums' shift, what the native layer start scans (WeightKernels.layerStart,
 * tree-kernels.c gives these functions' bits).
 */
import { SHIFT_SAMPLE } from "../stats/layer-stats.ts";
import { gridLevels } from "../stats/quantisation-grid.ts";

/** Rows at the start of a layer tested for a quantisation grid: all must agree. */
export const GRID_ROWS = 4;

/** The grid the first GRID_ROWS rows (of `cols` values) of `values` share, or 0. */
export function gridOf(values: Float32Array | Float64Array, cols: number): number {
  const rows = Math.min(GRID_ROWS, Math.floor(values.length / cols));
  if (rows === 0) return 0;
  const levels = gridLevels(values.subarray(0, cols));
  for (let r = 1; r < rows; r++) if (gridLevels(values.subarray(r * cols, (r + 1) * cols)) !== levels) return 0;
  return levels;
}

/** Values at the start of a layer whose exact zeros are counted (unstructured pruning spreads zeros evenly). */
export const ZERO_SAMPLE = 4096;

/** What WeightKernels.layerStart scans of a layer's first chunk: the shift's values, the zero count's, the grid's rows. */
export const START_SAMPLES = { shift: SHIFT_SAMPLE, zeros: ZERO_SAMPLE, gridRows: GRID_ROWS };

/** Fraction of exact zeros among the first ZERO_SAMPLE of `values`. */
export function zeroFractionOf(values: Float32Array | Float64Array): number {
  const count = Math.min(values.length, ZERO_SAMPLE);
  let zeros = 0;
  for (let i = 0; i < count; i++) if (values[i] === 0) zeros++;
  return count === 0 ? 0 : zeros / count;
}
