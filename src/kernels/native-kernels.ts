/**
 * The native kernels (native/weight-kernels.c, layer-stream.c, tree-kernels.c, merge-products.c, merge-screen.c, arborescence.c and rank-kernels.c, one library) loaded through bun:ffi. They work on the same
 * WebAssembly memory as the WebAssembly kernels — the reader fills it, either kernel set reads
 * it — so WeightKernels can hand its hottest sweeps to them without copying a byte: they take
 * absolute addresses, the memory's base plus a kernel pointer.
 *
 * MOTHER_KERNELS=wasm turns them off (the benchmark compares both side by side).
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { nativeLibrary } from "./build-native.ts";
import type { GgmlType } from "../types.ts";

/** The native sweeps, on absolute addresses. */
export interface NativeKernels {
  addPowerSums(values: number, count: number, shift: number, scale: number, out: number): number;
  /** The power sums straight from 16-bit weights (widened in registers). */
  addPowerSumsBf16(values: number, count: number, shift: number, scale: number, out: number): number;
  addPowerSumsF16(values: number, count: number, shift: number, scale: number, out: number): number;
  addPairwise(base: number, table: number, models: number, count: number, out: number): void;
  sketchRows(weights: number, rows: number, cols: number, buckets: number, signs: number, sparsity: number, out: number): void;
  sketchColumns(left: number, rows: number, cols: number, buckets: number, signs: number, sparsity: number, width: number, out: number): void;
  bidiagonalize(matrix: number, rows: number, cols: number, diagonal: number, superdiagonal: number, reflector: number, projection: number): void;
  /** Row-sample sketches of whole f32 layers at base + offsets[m] (low-rank-kernels.c: sketchRows through the identity map, then sketchColumns, per model). */
  rowSampleSketches(
    base: number,
    offsets: Uint32Array,
    models: number,
    cols: number,
    sampled: number,
    kLeft: number,
    buckets: number,
    signs: number,
    sparsity: number,
    width: number,
    out: number,
  ): void;
  widenBf16(source: number, target: number, count: number): void;
  widenF16(source: number, target: number, count: number): void;
  /** GGUF blocks → f32 (whole blocks; the TypeScript decoders in src/io/gguf/dequantize.ts are their twins). */
  dequantizeQ8_0(blocks: number, target: number, count: number): void;
  dequantizeQ4K(blocks: number, target: number, count: number): void;
  dequantizeQ5K(blocks: number, target: number, count: number): void;
  dequantizeQ6K(blocks: number, target: number, count: number): void;
  /** Power sums of Q8_0 (kind 1), Q4_K (2) or Q6_K (4) blocks from their integers (native/block-moments.c); −1 for another kind. */
  blockPowerSums(kind: number, blocks: number, count: number, shift: number, out: number): number;
  /** Turns blockPowerSums's AVX-512 path off (0) or on where the CPU has it (1); 1 when it is in use afterwards (native/block-moments-wide.c). */
  useWideKernels(on: number): number;
  /** One chunk of a layer for every model: decode, power sums and pairwise |Δ| a run at a time (WeightKernels.layerChunk). */
  layerChunk(
    base: number,
    plan: number,
    models: number,
    count: number,
    shifts: number,
    scales: number,
    groups: number,
    groupCount: number,
    states: number,
  ): void;
  /**
   * Chunks [first, count) of a layer read and swept in one call (native/layer-stream.c; BlockKernels.layerStream);
   * 0, or where a read failed (1 cut short, 2 an error: `failure` says which model and where).
   */
  layerStream(
    base: number,
    described: Float64Array,
    models: number,
    first: number,
    count: number,
    chunk: number,
    shifts: Float64Array,
    scales: Float64Array,
    plan: number,
    chunkScales: number,
    groups: number,
    groupCount: number,
    states: number,
    failure: Float64Array,
  ): number;
  /** A PEFT adapter's rows: out = stored + L·R (src/io/peft/adapter-tensor.ts is the TypeScript twin); typed arrays passed as they are. */
  addLowRankRows(
    stored: Float32Array,
    left: Float64Array,
    right: Float64Array,
    out: Float32Array,
    firstRow: number,
    rows: number,
    cols: number,
    rank: number,
  ): void;
  /**
   * A layer's first chunk: [shift, share of exact zeros, grid levels] into `out` (tree-kernels.c;
   * the bits of powerSumShift, and of zeroFractionOf and gridOf in layer-start.ts).
   */
  layerStart(values: number, count: number, cols: number, shiftSample: number, zeroSample: number, gridRows: number, out: Float64Array): void;
  /** layerStart then addPowerSums (scale 0, the shift rounded to f32) for every model of a one-chunk layer (tree-kernels.c): out[4m …] shift, zeros, grid, scale. */
  layerFirstChunks(
    base: number,
    values: Uint32Array,
    sums: Uint32Array,
    models: number,
    count: number,
    cols: number,
    shiftSample: number,
    zeroSample: number,
    gridRows: number,
    out: Float64Array,
  ): void;
  /**
   * Several one-chunk layers' layerFirstChunks then their groups' addPairwise in one call (tree-kernels.c; WeightKernels.heldLayers
   * lays out `plan`): out[4m …] of each layer after the layers before it.
   */
  heldLayers(base: number, plan: Uint32Array, layers: number, shiftSample: number, zeroSample: number, gridRows: number, out: Float64Array): void;
  /**
   * out[targets[q] + v] = f64 of the f32 at base + sources[q] (byte offsets) + 4v for v < counts[q], q < n
   * (merge-products.c; `base` an absolute address, the arrays passed as they are).
   */
  widenGather(base: number, sources: Float64Array, counts: Int32Array, targets: Int32Array, n: number, out: Float64Array): void;
  /** How many of the first `count` values are equal in `a` and `b` and not zero (merge-products.c; typed arrays passed as they are). */
  unchangedCount(a: Float64Array, b: Float64Array, count: number): number;
  /** out[l] = ⟨a, b⟩ over a[offsets[l] … offsets[l + 1]) (typed arrays passed as they are): the merge screen's products. */
  layerDots(a: Float64Array, b: Float64Array, offsets: Int32Array, layers: number, out: Float64Array): void;
  /** Every product of the merge screen over `models` rows of samples at once (merge-products.c; typed arrays passed as they are). */
  screenProducts(
    samples: Float64Array,
    models: number,
    offsets: Int32Array,
    layers: number,
    centred: Float64Array,
    pairs: Float64Array,
    offsetsOut: Float64Array,
    reference: Float64Array,
  ): void;
  /**
   * The merge screen's greedy search on one child's `count` products (merge-screen.c, the TypeScript
   * greedyFit operation for operation): gathered for the child (`members` null), or every product of
   * a tree of `models` as screenProducts lays them out, `members` (set, then child) naming the
   * models — nothing gathered. 1 a fit, 0 none, −1 undecided without `nearer`.
   */
  screenFit(
    products: Float64Array,
    offsets: Float64Array,
    reference: Float64Array,
    layers: number,
    models: number,
    members: Int32Array | null,
    count: number,
    slack: number,
    nearer: number,
    nearerKnown: number,
    maxParents: number,
    minStepGain: number,
    mergeResidual: number,
  ): number;
  /**
   * screenFit for every child of a tree of `models` (every product in place) and each of `starts`
   * starts: out[q] the first start that does not reject child q, or the starts tried (merge-screen.c).
   */
  screenChildren(
    products: Float64Array,
    offsets: Float64Array,
    reference: Float64Array,
    layers: number,
    models: number,
    candidates: Int32Array,
    counts: Int32Array,
    children: Int32Array,
    childCount: number,
    width: number,
    starts: number,
    slack: number,
    maxParents: number,
    minStepGain: number,
    mergeResidual: number,
    out: Int32Array,
  ): void;
  /** Chu-Liu/Edmonds' parent of every node into `parent` (arborescence.c, chu-liu-edmonds.ts's solve step for step): 0, 1 a node without a finite incoming edge, 2 out of memory. */
  arborescence(weights: Float64Array, n: number, root: number, parent: Int32Array): number;
  /** The largest singular value of each of `count` bidiagonals of size p, bisected four at a time as rankDifferences does (rank-kernels.c; for the tests). */
  largestSingularValues(diagonals: Float64Array, superdiagonals: Float64Array, count: number, p: number, tolerance: number, out: Float64Array): void;
  /** rankAboveFloor of a bidiagonal (rank-kernels.c; typed arrays passed as they are). */
  rankAboveFloor(diagonal: Float64Array, superdiagonal: Float64Array, p: number, epsilon: number, noiseFloor: number): number;
  /**
   * The ranks of sketch differences, pairs of slots of `sketches` (rank-kernels.c; pairs, floors and ranks passed as typed
   * arrays); with `atLeast` ≥ 1, a rank proven to be at least that is given as `atLeast`, unranked (0: every rank exact).
   */
  rankDifferences(
    sketches: number,
    rows: number,
    cols: number,
    pairs: Int32Array,
    pairCount: number,
    floors: Float64Array,
    epsilon: number,
    atLeast: number,
    difference: number,
    diagonal: number,
    superdiagonal: number,
    reflector: number,
    projection: number,
    ranks: Int32Array,
  ): void;
  /** The address of byte 0 of `buffer`. */
  addressOf(buffer: ArrayBuffer): number;
}

/** The ggml types the native kernels decode, and their entry points (the TypeScript decoders in src/io/gguf/dequantize.ts are their twins). */
export const NATIVE_DECODERS: Partial<Record<GgmlType, "dequantizeQ8_0" | "dequantizeQ4K" | "dequantizeQ5K" | "dequantizeQ6K">> = {
  Q8_0: "dequantizeQ8_0",
  Q4_K: "dequantizeQ4K",
  Q5_K: "dequantizeQ5K",
  Q6_K: "dequantizeQ6K",
};

/** Which kernels run the sweeps, and why the native ones do not when they do not. */
export type KernelChoice = { readonly native: NativeKernels } | { readonly native?: undefined; readonly reason: string };

/** The reason given when MOTHER_KERNELS=wasm turned the native kernels off. */
export const WASM_ONLY = "MOTHER_KERNELS=wasm";

let loaded: Promise<KernelChoice> | undefined;
let settled: KernelChoice | undefined;

/** This thread's native kernels, if this machine has them and MOTHER_KERNELS does not say wasm. */
export function nativeKernels(): Promise<KernelChoice> {
  return (loaded ??= loadNativeKernels().then((choice) => (settled = choice)));
}

/**
 * This thread's native kernels when nativeKernels() has already settled (the layer pass awaits
 * it before any read), else undefined: for readers that cannot wait (src/io/peft/adapter-tensor.ts).
 */
export function loadedNativeKernels(): NativeKernels | undefined {
  return settled?.native;
}

/** Builds (if needed) and opens the native kernels from `cacheFolder`; the reason when it cannot or `env` says not to (MOTHER_KERNELS=wasm). */
export async function loadNativeKernels(cacheFolder?: string, env: Record<string, string | undefined> = process.env): Promise<KernelChoice> {
  if (env.MOTHER_KERNELS === "wasm") return { reason: WASM_ONLY };
  const build = await nativeLibrary(cacheFolder);
  if ("unavailable" in build) return { reason: build.unavailable };
  try {
    const native = open(build.path);
    return native === undefined ? { reason: "this CPU lacks AVX2, FMA or F16C" } : { native };
  } catch (error) {
    return { reason: `${build.path} would not load: ${(error as Error).message}` };
  }
}

/** The kernels of the library at `path`, or undefined when this CPU cannot run them (the build is not for one CPU). */
function open(path: string): NativeKernels | undefined {
  const { symbols } = dlopen(path, {
    mother_cpu_supported: { args: [], returns: FFIType.i32 },
    mother_add_power_sums: { args: [FFIType.ptr, FFIType.i32, FFIType.f64, FFIType.f64, FFIType.ptr], returns: FFIType.f64 },
    mother_add_power_sums_bf16: { args: [FFIType.ptr, FFIType.i32, FFIType.f64, FFIType.f64, FFIType.ptr], returns: FFIType.f64 },
    mother_add_power_sums_f16: { args: [FFIType.ptr, FFIType.i32, FFIType.f64, FFIType.f64, FFIType.ptr], returns: FFIType.f64 },
    mother_add_pairwise: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.void },
    mother_sketch_rows: { args: [FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr], returns: FFIType.void },
    mother_sketch_columns: {
      args: [FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr],
      returns: FFIType.void,
    },
    mother_bidiagonalize: { args: [FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.void },
    mother_row_sample_sketches: {
      args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr],
      returns: FFIType.void,
    },
    mother_widen_bf16: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.void },
    mother_widen_f16: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.void },
    mother_dequantize_q8_0: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.void },
    mother_dequantize_q4_k: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.void },
    mother_dequantize_q5_k: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.void },
    mother_dequantize_q6_k: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.void },
    mother_block_power_sums: { args: [FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.f64, FFIType.ptr], returns: FFIType.i32 },
    mother_use_wide_kernels: { args: [FFIType.i32], returns: FFIType.i32 },
    mother_layer_chunk: {
      args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr],
      returns: FFIType.void,
    },
    mother_layer_stream: {
      args: [
        FFIType.ptr,
        FFIType.ptr,
        FFIType.i32,
        FFIType.i32,
        FFIType.i32,
        FFIType.i32,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.i32,
        FFIType.ptr,
        FFIType.ptr,
      ],
      returns: FFIType.i32,
    },
    mother_add_low_rank_rows: {
      args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32],
      returns: FFIType.void,
    },
    mother_layer_start: {
      args: [FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr],
      returns: FFIType.void,
    },
    mother_layer_first_chunks: {
      args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr],
      returns: FFIType.void,
    },
    mother_held_layers: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.void },
    mother_widen_gather: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr], returns: FFIType.void },
    mother_unchanged_count: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    mother_layer_dots: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr], returns: FFIType.void },
    mother_screen_fit: {
      args: [
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.i32,
        FFIType.i32,
        FFIType.ptr,
        FFIType.i32,
        FFIType.f64,
        FFIType.f64,
        FFIType.i32,
        FFIType.i32,
        FFIType.f64,
        FFIType.f64,
      ],
      returns: FFIType.i32,
    },
    mother_screen_children: {
      args: [
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.i32,
        FFIType.i32,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.i32,
        FFIType.i32,
        FFIType.i32,
        FFIType.f64,
        FFIType.i32,
        FFIType.f64,
        FFIType.f64,
        FFIType.ptr,
      ],
      returns: FFIType.void,
    },
    mother_arborescence: { args: [FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    mother_largest_singular_values: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.f64, FFIType.ptr], returns: FFIType.void },
    mother_rank_above_floor: { args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.f64, FFIType.f64], returns: FFIType.i32 },
    mother_rank_differences: {
      args: [
        FFIType.ptr,
        FFIType.i32,
        FFIType.i32,
        FFIType.ptr,
        FFIType.i32,
        FFIType.ptr,
        FFIType.f64,
        FFIType.i32,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
        FFIType.ptr,
      ],
      returns: FFIType.void,
    },
    mother_screen_products: {
      args: [FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr],
      returns: FFIType.void,
    },
  });
  if (symbols.mother_cpu_supported() !== 1) return undefined;
  return {
    addPowerSums: symbols.mother_add_power_sums,
    addPowerSumsBf16: symbols.mother_add_power_sums_bf16,
    addPowerSumsF16: symbols.mother_add_power_sums_f16,
    addPairwise: symbols.mother_add_pairwise,
    sketchRows: symbols.mother_sketch_rows,
    sketchColumns: symbols.mother_sketch_columns,
    rowSampleSketches: symbols.mother_row_sample_sketches,
    bidiagonalize: symbols.mother_bidiagonalize,
    widenBf16: symbols.mother_widen_bf16,
    widenF16: symbols.mother_widen_f16,
    dequantizeQ8_0: symbols.mother_dequantize_q8_0,
    dequantizeQ4K: symbols.mother_dequantize_q4_k,
    addLowRankRows: symbols.mother_add_low_rank_rows,
    dequantizeQ5K: symbols.mother_dequantize_q5_k,
    dequantizeQ6K: symbols.mother_dequantize_q6_k,
    blockPowerSums: symbols.mother_block_power_sums,
    useWideKernels: symbols.mother_use_wide_kernels,
    layerChunk: symbols.mother_layer_chunk,
    layerStream: symbols.mother_layer_stream,
    layerStart: symbols.mother_layer_start,
    layerFirstChunks: symbols.mother_layer_first_chunks,
    heldLayers: symbols.mother_held_layers,
    widenGather: symbols.mother_widen_gather,
    unchangedCount: symbols.mother_unchanged_count,
    layerDots: symbols.mother_layer_dots,
    screenProducts: symbols.mother_screen_products,
    screenFit: symbols.mother_screen_fit,
    screenChildren: symbols.mother_screen_children,
    arborescence: symbols.mother_arborescence,
    largestSingularValues: symbols.mother_largest_singular_values,
    rankAboveFloor: symbols.mother_rank_above_floor,
    rankDifferences: symbols.mother_rank_differences,
    addressOf: (buffer) => ptr(buffer),
  };
}
