/**
 * Per-output-channel (per-row) quantise → dequantise round trips, the way int8/int4 copies
 * of a checkpoint are made (bitsandbytes LLM.int8 rows, GPTQ/AWQ-style 4-bit rows without
 * groups). The result holds the dequantised values, so a copy can be stored as F32 and
 * read by any tool; only the rounding to a few levels per row remains.
 */

/** Round half to even (torch.round, numpy.round): no bias towards either sign on exact halves. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Symmetric per-row quantisation: each row of a `rows × columns` row-major matrix is scaled
 * by s = max|row| / maxLevel and rounded to an integer in [−maxLevel, maxLevel] (int8:
 * maxLevel 127), then multiplied back. Every value moves by at most s/2; an all-zero row
 * stays zero. Returns new f64 values; the input is untouched.
 */
export function symmetricQuantiseRows(values: Float32Array | Float64Array, columns: number, maxLevel: number): Float64Array {
  checkShape(values.length, columns);
  if (!Number.isInteger(maxLevel) || maxLevel < 1) throw new RangeError(`maxLevel must be a whole number ≥ 1 (got ${maxLevel})`);
  const out = new Float64Array(values.length);
  for (let start = 0; start < values.length; start += columns) {
    let maxAbs = 0;
    for (let i = start; i < start + columns; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]!));
    if (maxAbs === 0) continue;
    const scale = maxAbs / maxLevel;
    for (let i = start; i < start + columns; i++) out[i] = roundHalfEven(values[i]! / scale) * scale;
  }
  return out;
}

/**
 * Affine (min–max) per-row quantisation to `levels` evenly spaced values from the row's
 * minimum to its maximum (4-bit: 16 levels, step s = (max − min) / 15), then back. Every
 * value moves by at most s/2, the row's extremes are kept exactly, and a constant row is
 * unchanged. Returns new f64 values.
 */
export function affineQuantiseRows(values: Float32Array | Float64Array, columns: number, levels: number): Float64Array {
  checkShape(values.length, columns);
  if (!Number.isInteger(levels) || levels < 2) throw new RangeError(`levels must be a whole number ≥ 2 (got ${levels})`);
  const out = new Float64Array(values.length);
  for (let start = 0; start < values.length; start += columns) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = start; i < start + columns; i++) {
      min = Math.min(min, values[i]!);
      max = Math.max(max, values[i]!);
    }
    const step = (max - min) / (levels - 1);
    for (let i = start; i < start + columns; i++) {
      out[i] = step === 0 ? values[i]! : min + Math.min(levels - 1, roundHalfEven((values[i]! - min) / step)) * step;
    }
  }
  return out;
}

function checkShape(length: number, columns: number): void {
  if (!Number.isInteger(columns) || columns < 1 || length % columns !== 0) {
    throw new RangeError(`a matrix of ${length} values cannot have ${columns} columns`);
  }
}
