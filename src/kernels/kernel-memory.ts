/**
 * Regions of one WebAssembly linear memory, which both kernel sets sweep: the WebAssembly kernels
 * by offset, the native ones (native-kernels.ts) by absolute address, checked here first.
 *
 * Memory discipline: callers hold *pointers* (byte offsets), never long-lived views. Growing the
 * memory (any `allocate`) detaches every existing view, so views are made fresh with `f32`/`f64`
 * right before use. `reset` frees everything at once (the recovery pass resets per layer).
 * One instance serves one thread; each worker loads its own.
 */
import type { NativeKernels } from "./native-kernels.ts";
import type { HoldMemory } from "../io/held-files.ts";

/** Pairwise |Δ| sums being folded over a layer, chunk by chunk (WeightKernels.pairwiseAccumulator lays it out). */
export interface PairwiseAccumulator {
  readonly models: number;
  /** The models' chunk buffers. */
  readonly pointers: readonly number[];
  /** u32 addresses of the models' chunk buffers, in kernel memory. */
  readonly table: number;
  /** 2·n² f64: max then sum. */
  readonly out: number;
}

const PAGE = 65536;
const ALIGN = 16;

/** The memory the kernels work in (WeightKernels builds its sweeps on it). */
export class KernelMemory {
  protected top = 0;
  /** Bytes at the bottom of memory that reset() keeps (a tree's held files, lent through holdMemory). */
  protected floor = 0;
  /** Address of the memory's byte 0, for the native kernels (refreshed when the memory grows). */
  protected base = 0;

  constructor(
    protected readonly memory: WebAssembly.Memory,
    protected readonly native?: NativeKernels,
  ) {
    this.base = native?.addressOf(memory.buffer) ?? 0;
  }

  /** Which kernels run the power sums, pairwise |Δ|, sketches, bidiagonalisation and widening. */
  get backend(): "native" | "wasm" {
    return this.native ? "native" : "wasm";
  }

  /** Frees every region but the held files' (pointers from before are invalid afterwards). */
  reset(): void {
    this.top = this.floor;
  }

  /**
   * This memory lent for held files (src/io/held-files.ts): a region at its bottom that reset()
   * keeps until it is released, so the layer pass sweeps f32 tensors where they lie (pointerOf).
   * Claimed between jobs only (it frees every other region); one claim at a time.
   */
  holdMemory(): HoldMemory {
    return {
      claim: (bytes) => {
        if (this.floor > 0) return undefined;
        this.top = 0;
        const pointer = this.allocate(bytes);
        this.floor = this.top;
        // One view while the memory keeps its buffer (growing it detaches every view): held-files asks for it per tensor read.
        let view = this.bytes(pointer, bytes);
        return () => (view.buffer === this.memory.buffer ? view : (view = this.bytes(pointer, bytes)));
      },
      release: () => {
        this.floor = 0;
        this.top = 0;
      },
    };
  }

  /** The pointer of `view` when it lies in this memory, else undefined. */
  pointerOf(view: ArrayBufferView): number | undefined {
    return view.buffer === this.memory.buffer ? view.byteOffset : undefined;
  }

  /** A 16-byte aligned region of `bytes` bytes; grows the memory (detaching views) if needed. */
  allocate(bytes: number): number {
    const pointer = this.top;
    this.top = pointer + Math.ceil(bytes / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      this.memory.grow(Math.ceil((this.top - have) / PAGE));
      if (this.native) this.base = this.native.addressOf(this.memory.buffer);
    }
    return pointer;
  }

  /** A fresh f32 view of `count` values at `pointer` (valid until the next allocate). */
  f32(pointer: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, pointer, count);
  }

  /** A fresh f64 view of `count` values at `pointer` (valid until the next allocate). */
  f64(pointer: number, count: number): Float64Array {
    return new Float64Array(this.memory.buffer, pointer, count);
  }

  /**
   * A copy, in fresh JavaScript memory, of the `count` f64 values at `pointer`: a view's own
   * slice() took ~9 µs for 15 KB here (a 48 × 40 sketch), allocating and setting ~1 µs.
   */
  f64Copy(pointer: number, count: number): Float64Array {
    const out = new Float64Array(count);
    out.set(this.f64(pointer, count));
    return out;
  }

  /** A fresh byte view of `length` bytes at `pointer` (valid until the next allocate). */
  bytes(pointer: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, pointer, length);
  }

  /**
   * The absolute address of [pointer, pointer + bytes) for a native kernel, once it is known to
   * lie in allocated memory: a WebAssembly kernel that strays traps, a native one would corrupt
   * the process.
   */
  protected address(pointer: number, bytes: number): number {
    if (!(pointer >= 0 && pointer + bytes <= this.top))
      throw new RangeError(`native kernel: bytes ${pointer}…${pointer + bytes} lie outside the ${this.top} allocated`);
    return this.base + pointer;
  }

  /** Runs `work`, then frees whatever it allocated. */
  scratch<T>(work: () => T): T {
    const mark = this.top;
    try {
      return work();
    } finally {
      this.top = mark;
    }
  }

  /** Copies f64 or i32 values into fresh kernel memory; returns the pointer. */
  copyIn(values: Int32Array | Float64Array): number {
    const pointer = this.allocate(values.byteLength);
    this.bytes(pointer, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return pointer;
  }
}
