/**
 * What a tensor reader hands out: the memory a read lands in and a tensor opened for reading in
 * element ranges. Shared by the safetensors reader and the GGUF reader (read-safetensors.ts
 * dispatches to read-gguf.ts, so the types live apart from both).
 */
import type { Dtype, GgmlType } from "../types.ts";

/**
 * Where `readTensor` puts a tensor: its raw bytes, and for 16-bit dtypes its decoded f32
 * values. The arrays a read returns are views into this memory and stay valid only until the
 * next read into the same memory.
 */
export interface TensorMemory {
  /** Room for the `length` raw bytes of a tensor stored as `dtype`. */
  bytesFor(length: number, dtype: Dtype): Uint8Array;
  /** Room for `count` decoded f32 values (F16/BF16 tensors only). */
  valuesFor(count: number): Float32Array;
  /**
   * Optional faster decoding of 16-bit values (the SIMD kernels), used when the caller checks
   * finiteness itself (`checkFinite: false`): `bytes` came from bytesFor, the result is f32.
   */
  widen?(bytes: Uint8Array, dtype: "F16" | "BF16", count: number): Float32Array;
  /**
   * Optional faster decoding of GGUF blocks (the native kernels): room for `length` raw block
   * bytes, then `count` values of `type` decoded from them into f32, or undefined when this
   * memory's kernels lack the type (the reader then decodes in TypeScript).
   */
  blocksFor?(length: number): Uint8Array;
  dequantize?(type: GgmlType, count: number): Float32Array | undefined;
}

/** A tensor opened for reading in element ranges (see openTensorStream). */
export interface TensorStream {
  /**
   * Elements [first, first + count) decoded as readTensor decodes the whole tensor, into
   * `memory` when given. Blocking: one pread.
   */
  read(first: number, count: number, memory?: TensorMemory, options?: { checkFinite?: boolean }): Float32Array | Float64Array;
  close(): void;
}
