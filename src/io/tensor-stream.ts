/**
 * What a tensor reader hands out: the memory a read lands in and a tensor opened for reading in
 * element ranges. Shared by the safetensors, GGUF and PEFT adapter readers (read-safetensors.ts
 * dispatches to read-gguf.ts and adapter-tensor.ts, so these live apart from all of them).
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

/**
 * Kernel memory a GGUF stream may leave a chunk's raw blocks in, for the caller's kernels to
 * decode (the layer pass's fused chunks): a read-ahead window filled by large reads, and room
 * for one chunk's blocks put in Hugging Face row order (rotary tensors).
 */
export interface BlockStaging {
  /** A view of `length` bytes of kernel memory at `pointer`. */
  bytes(pointer: number, length: number): Uint8Array;
  readonly window: number;
  readonly windowBytes: number;
  /** Room for one chunk's blocks, or -1 when the tensor needs none (not rotary). */
  readonly ordered: number;
}

/**
 * A staged GGUF tensor, or an f32 safetensors one (type "F32"), as a native loop reads it itself
 * (BlockKernels.layerStream): the open file descriptor and the tensor's extent in the file, its
 * block type and rows, and which of its bytes the staging window holds now (start = end when none).
 */
export interface StagedSource {
  readonly file: string;
  readonly name: string;
  readonly fd: number;
  /** Byte offset of the tensor's data in the file, and its byte length. */
  readonly offset: number;
  readonly byteLength: number;
  readonly type: GgmlType;
  readonly rows: number;
  readonly cols: number;
  /** llama.cpp rotary heads whose rows are put back in Hugging Face order; 0 for none. */
  readonly ropeHeads: number;
  readonly held: { readonly start: number; readonly end: number };
}

/** A tensor opened for reading in element ranges (see openTensorStream). */
export interface TensorStream {
  /**
   * Elements [first, first + count) decoded as readTensor decodes the whole tensor, into
   * `memory` when given. Blocking: one pread.
   */
  read(first: number, count: number, memory?: TensorMemory, options?: { checkFinite?: boolean }): Float32Array | Float64Array;
  /**
   * GGUF streams only: leaves elements [first, first + count) as raw blocks (Hugging Face row
   * order) in `staging` and says where, without decoding them or checking their values; undefined
   * when the range is not whole blocks (and whole rotary heads) or larger than the window. A read
   * fills the window (`readAhead`, the default) or only the range's blocks.
   */
  stage?(first: number, count: number, staging: BlockStaging, readAhead?: boolean): { type: GgmlType; pointer: number } | undefined;
  /**
   * GGUF streams, and f32 safetensors ones read from disk: the tensor as a native loop reads it
   * itself, a GGUF one into `staging`'s window (the window's state included), an f32 one into its
   * buffer or where a mapping holds it.
   */
  stagedSource?(staging: BlockStaging): StagedSource;
  close(): void;
}

/**
 * Reusable memory for `readTensor`. Reusing memory roughly doubles throughput on big tensors
 * (no fresh pages to fault in; bench/read-tensor.ts). Use one scratch per tensor that must stay
 * alive at the same time.
 */
export class TensorScratch implements TensorMemory {
  private bytes = new ArrayBuffer(0);
  private values = new ArrayBuffer(0);

  /** A byte view of `length` bytes, growing the buffer (×1.5) when needed. */
  bytesFor(length: number): Uint8Array {
    if (this.bytes.byteLength < length) this.bytes = new ArrayBuffer(Math.max(length, Math.floor(this.bytes.byteLength * 1.5)));
    return new Uint8Array(this.bytes, 0, length);
  }

  /** Room for `count` f32 values, growing likewise. */
  valuesFor(count: number): Float32Array {
    if (this.values.byteLength < count * 4) this.values = new ArrayBuffer(Math.max(count * 4, Math.floor(this.values.byteLength * 1.5)));
    return new Float32Array(this.values, 0, count);
  }
}
