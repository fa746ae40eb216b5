/**
 * An adapter's layer as a model's layer: base + scale · B · A, formed chunk by chunk while the
 * layer is read, so a virtual model streams like a stored one. Rows r0..r1 of Δ need only
 * rows r0..r1 of the left factor and all of the (small) right one:
 *
 *   Δ[r0:r1] = (scale · L[r0:r1]) · R      L = B [out, rank], R = A [rank, in]
 *                                          (fan_in_fan_out, stored [in, out]: L = Aᵀ, R = Bᵀ)
 *
 * The factors (rank · (in + out) values) are read once when the stream opens; each chunk costs
 * one read of the base's chunk and rank multiply-adds per value.
 */
import type { LowRankDelta, TensorInfo } from "../../types.ts";
import { DTYPE_BYTES } from "../../types.ts";
import { assert } from "../../errors.ts";
import { loadedNativeKernels } from "../../kernels/native-kernels.ts";
import { TensorScratch, type TensorStream } from "../tensor-stream.ts";

/** What adapter-tensor needs of read-safetensors (passed in, so the two modules do not import each other). */
export type StreamOpener = (info: TensorInfo) => TensorStream;

/** The factors of Δ as rows × rank (scaled) and rank × cols, in f64. */
export interface LowRankFactors {
  readonly rows: number;
  readonly cols: number;
  readonly rank: number;
  /** scale · L, rows × rank. */
  readonly left: Float64Array;
  /** R, rank × cols. */
  readonly right: Float64Array;
}

/** Arranges lora_A and lora_B's values (`a` [rank, in], `b` [out, rank]) as L and R of `delta`. */
export function lowRankFactors(delta: LowRankDelta, a: ArrayLike<number>, b: ArrayLike<number>): LowRankFactors {
  const [rank, fanIn] = delta.a.shape as [number, number];
  const fanOut = delta.b.shape[0]!;
  const { scale } = delta;
  if (!delta.transposed) {
    return { rows: fanOut, cols: fanIn, rank, left: Float64Array.from(b, (x) => scale * x), right: Float64Array.from(a) };
  }
  const left = new Float64Array(fanIn * rank);
  const right = new Float64Array(rank * fanOut);
  for (let k = 0; k < rank; k++) for (let i = 0; i < fanIn; i++) left[i * rank + k] = scale * a[k * fanIn + i]!;
  for (let o = 0; o < fanOut; o++) for (let k = 0; k < rank; k++) right[k * fanOut + o] = b[o * rank + k]!;
  return { rows: fanIn, cols: fanOut, rank, left, right };
}

/** Writes rows [firstRow, firstRow + rowCount) of Δ = L · R into `out` (rowCount × cols). */
export function deltaRows(factors: LowRankFactors, firstRow: number, rowCount: number, out: Float64Array): void {
  for (let row = 0; row < rowCount; row++) deltaRow(factors, firstRow + row, out.subarray(row * factors.cols, (row + 1) * factors.cols));
}

/**
 * Row `row` of Δ into `target` (cols values). Eight (then four) rank terms are summed per pass
 * over the row, so each output value is loaded and stored rank/8 times rather than rank times
 * (the loop is bound by those, not by the multiplies: 0.26 ns per multiply-add at rank 16 against
 * 0.39 in fours here); one row (a few KB) stays in L1 while it is built.
 */
function deltaRow(factors: LowRankFactors, row: number, target: Float64Array): void {
  const { cols, rank, left, right } = factors;
  const at = row * rank;
  target.fill(0);
  let k = 0;
  for (; k + 8 <= rank; k += 8) {
    // Plain consts: destructuring an array literal here allocates per row and runs 6× slower.
    const c0 = left[at + k]!;
    const c1 = left[at + k + 1]!;
    const c2 = left[at + k + 2]!;
    const c3 = left[at + k + 3]!;
    const c4 = left[at + k + 4]!;
    const c5 = left[at + k + 5]!;
    const c6 = left[at + k + 6]!;
    const c7 = left[at + k + 7]!;
    const o = k * cols;
    for (let j = 0; j < cols; j++) {
      const near = c0 * right[o + j]! + c1 * right[o + cols + j]! + c2 * right[o + 2 * cols + j]! + c3 * right[o + 3 * cols + j]!;
      const far = c4 * right[o + 4 * cols + j]! + c5 * right[o + 5 * cols + j]! + c6 * right[o + 6 * cols + j]! + c7 * right[o + 7 * cols + j]!;
      target[j]! += near + far;
    }
  }
  for (; k + 4 <= rank; k += 4) {
    const c0 = left[at + k]!;
    const c1 = left[at + k + 1]!;
    const c2 = left[at + k + 2]!;
    const c3 = left[at + k + 3]!;
    const r0 = right.subarray(k * cols, (k + 1) * cols);
    const r1 = right.subarray((k + 1) * cols, (k + 2) * cols);
    const r2 = right.subarray((k + 2) * cols, (k + 3) * cols);
    const r3 = right.subarray((k + 3) * cols, (k + 4) * cols);
    for (let j = 0; j < cols; j++) target[j]! += c0 * r0[j]! + c1 * r1[j]! + c2 * r2[j]! + c3 * r3[j]!;
  }
  for (; k < rank; k++) {
    const coefficient = left[at + k]!;
    const r = right.subarray(k * cols, (k + 1) * cols);
    for (let j = 0; j < cols; j++) target[j]! += coefficient * r[j]!;
  }
}

/** values[i] = stored[i] + Δ at element first + i, for i < count: Δ formed a row at a time and added while the row is hot. */
function addDelta(factors: LowRankFactors, first: number, stored: Float32Array, values: Float32Array, row: Float64Array): void {
  const { cols } = factors;
  const count = values.length;
  for (let r = Math.floor(first / cols); r * cols < first + count; r++) {
    deltaRow(factors, r, row);
    const from = Math.max(first, r * cols);
    const to = Math.min(first + count, (r + 1) * cols);
    for (let element = from; element < to; element++) values[element - first] = stored[element - first]! + row[element - r * cols]!;
  }
}

/** The virtual f32 tensor of `base` updated by `delta` (what an adapter's model holds at that name). */
export function lowRankTensor(base: TensorInfo, delta: Omit<LowRankDelta, "base">): TensorInfo {
  const elements = base.shape.reduce((product, size) => product * size, 1);
  return {
    name: base.name,
    dtype: "F32",
    shape: base.shape,
    file: delta.a.file,
    offset: delta.a.offset,
    byteLength: elements * 4,
    lowRank: { ...delta, base },
  };
}

/**
 * Opens `info` (a tensor with `lowRank`) for reading in element ranges, as read-safetensors'
 * streams are read: values come back as f32 in `memory`'s bytes when given. `open` opens the
 * stored tensors (base and factors); a non-finite factor is reported against the adapter file.
 */
export function openLowRankStream(info: TensorInfo, open: StreamOpener): ReturnType<StreamOpener> {
  const delta = info.lowRank;
  assert(delta !== undefined, "openLowRankStream on a tensor without a low-rank update");
  const readWhole = (tensor: TensorInfo) => {
    const stream = open(tensor);
    try {
      return stream.read(0, tensor.byteLength / DTYPE_BYTES[tensor.dtype]);
    } finally {
      stream.close();
    }
  };
  const factors = lowRankFactors(delta, readWhole(delta.a), readWhole(delta.b));
  const base = open(delta.base);
  const baseMemory = new TensorScratch();
  const row = new Float64Array(factors.cols);
  return {
    read(first, count, memory, options) {
      // The base's values as f32 (an F64 base is rounded first: an adapter's layer is f32 like its factors).
      const read = base.read(first, count, baseMemory, options);
      const stored = read instanceof Float32Array ? read : Float32Array.from(read);
      const bytes = memory?.bytesFor(count * 4, "F32");
      const values = bytes ? new Float32Array(bytes.buffer, bytes.byteOffset, count) : new Float32Array(count);
      // Whole rows go to the native twin when this thread has it (about 10× the TypeScript loop).
      const native = first % factors.cols === 0 && count % factors.cols === 0 ? loadedNativeKernels() : undefined;
      if (native) native.addLowRankRows(stored, factors.left, factors.right, values, first / factors.cols, count / factors.cols, factors.cols, factors.rank);
      else addDelta(factors, first, stored, values, row);
      return values;
    },
    close: () => base.close(),
  };
}
