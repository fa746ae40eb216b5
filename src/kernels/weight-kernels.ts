/**
 * The TypeScript side of the SIMD kernels: one instance owns one WebAssembly linear memory
 * (kernel-memory.ts hands out its regions), and runs the kernels on them — the WebAssembly ones
 * (src/kernels/assembly/weight-kernels.ts), or, where this machine has them, their native
 * twins (src/kernels/native/, through native-kernels.ts), which work on the same memory by
 * absolute address. Callers see one API either way. GGUF blocks' kernels: block-kernels.ts.
 */
import { kernelBinary } from "./build-kernels.ts";
import { nativeKernels, type NativeKernels } from "./native-kernels.ts";
import { BlockKernels } from "./block-kernels.ts";
import type { PairwiseAccumulator } from "./kernel-memory.ts";
import type { PowerSums } from "../stats/layer-stats.ts";
import type { Bidiagonal } from "../distance/bidiagonal-singular-values.ts";
import { bug } from "../errors.ts";

/** One power-sum accumulator's f64 words (weight-kernels.c's out[0..5]: Σ(x−shift) … Σ(x−shift)⁴, min, max). */
const POWER_SUM_WORDS = 6;

export type { ChunkPlan, ModelChunk } from "./block-kernels.ts";
export type { PairwiseAccumulator } from "./kernel-memory.ts";

/** Pairwise max |Δ| and Σ|Δ|, as full symmetric n × n matrices (zero diagonal). */
export interface PairwiseDifferences {
  readonly max: Float64Array;
  readonly sum: Float64Array;
}

/** A sparse sign map: `sparsity` (bucket, sign) pairs for each input index, input-major. */
export interface SparseSigns {
  readonly bucket: Int32Array;
  readonly sign: Float64Array;
}

interface KernelExports {
  addPowerSums(values: number, count: number, shift: number, scale: number, out: number): number;
  addPairwiseAbsoluteDifferences(pointers: number, models: number, count: number, out: number): void;
  sketchRows(weights: number, rows: number, cols: number, buckets: number, signs: number, sparsity: number, out: number): void;
  sketchColumns(left: number, rows: number, cols: number, buckets: number, signs: number, sparsity: number, width: number, out: number): void;
  bidiagonalize(matrix: number, rows: number, cols: number, diagonal: number, superdiagonal: number, reflector: number, projection: number): void;
  subtractF64(a: number, b: number, count: number, out: number): void;
  widenBf16(source: number, target: number, count: number): void;
  widenF16(source: number, target: number, count: number): void;
}

let compiled: Promise<WebAssembly.Module> | undefined;

let shared: Promise<WeightKernels> | undefined;

/** This thread's kernel instance, loaded on first use (each worker has its own memory). */
export function threadKernels(): Promise<WeightKernels> {
  return (shared ??= loadWeightKernels());
}

/**
 * Loads (building once if needed) and instantiates the kernels with a fresh memory. Every
 * kernel with a native twin runs natively where this machine has the native kernels
 * (native-kernels.ts; `native: false` keeps them all in WebAssembly).
 */
export async function loadWeightKernels({ native = true }: { native?: boolean } = {}): Promise<WeightKernels> {
  compiled ??= kernelBinary().then(({ bytes }) => WebAssembly.compile(bytes));
  const choice = native ? await nativeKernels() : undefined;
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = await WebAssembly.instantiate(await compiled, {
    env: {
      memory,
      abort: () => {
        bug("weight kernel aborted");
      },
    },
  });
  return new WeightKernels(memory, instance.exports as unknown as KernelExports, choice?.native);
}

/** The power sums of the accumulator at `at` in `sums` (indexed, not destructured: a typed array's iterator was most of a read, 240 a small tree). */
function powerSumsAt(sums: Float64Array, at: number, shift: number): PowerSums {
  return { shift, s1: sums[at]!, s2: sums[at + 1]!, s3: sums[at + 2]!, s4: sums[at + 3]!, min: sums[at + 4]!, max: sums[at + 5]! };
}

/**
 * One layer for WeightKernels.heldLayers: its models' f32 values at `pointers` (`count` each, `cols` a row, 0 not a
 * matrix), their accumulators' region, and the groups whose pairs it compares (members among its models; each
 * group's pairs written at `out`, 2·k·k f64 allocated for it).
 */
export interface HeldLayer {
  readonly pointers: readonly number[];
  readonly sums: number;
  readonly count: number;
  readonly cols: number;
  readonly groups: readonly { readonly members: readonly number[]; readonly out: number }[];
}

/** A sparse sign map copied into kernel memory. */
export interface KernelSigns {
  readonly buckets: number;
  readonly signs: number;
  readonly sparsity: number;
}

export class WeightKernels extends BlockKernels {
  constructor(
    memory: WebAssembly.Memory,
    private readonly kernels: KernelExports,
    native?: NativeKernels,
  ) {
    super(memory, native);
  }

  /** Decodes `count` 16-bit values at `source` into f32 at `target` (both in kernel memory), exactly. */
  widen(source: number, target: number, count: number, dtype: "F16" | "BF16"): void {
    const native = this.native;
    if (native) {
      const [from, to] = [this.address(source, count * 2), this.address(target, count * 4)];
      if (dtype === "BF16") native.widenBf16(from, to, count);
      else native.widenF16(from, to, count);
    } else if (dtype === "BF16") this.kernels.widenBf16(source, target, count);
    else this.kernels.widenF16(source, target, count);
  }

  /**
   * The scans of a layer's first chunk natively (tree-kernels.c): [shift, share of exact zeros,
   * grid levels] of f32 `values` lying in this kernel memory, for `cols` values a row (0: not a
   * matrix), over the first `sample.shift` values, `sample.zeros` values and `sample.gridRows`
   * rows. Undefined where the caller scans them itself: no native kernels, or values elsewhere.
   * The array is reused by the next call.
   */
  layerStart(values: Float32Array | Float64Array, cols: number, sample: { shift: number; zeros: number; gridRows: number }): Float64Array | undefined {
    const native = this.native;
    if (!native || !(values instanceof Float32Array) || values.buffer !== this.memory.buffer) return undefined;
    const at = this.address(values.byteOffset, values.byteLength);
    native.layerStart(at, values.length, cols, sample.shift, sample.zeros, sample.gridRows, this.startOut);
    return this.startOut;
  }

  /**
   * layerStart then addPowerSums from scale 0 (the shift rounded to f32) for every model of a
   * layer read in one chunk, its f32 values at `pointers` and accumulators at `accumulators`, in
   * one native call (tree-kernels.c, the same calls in the same order): out[4m …] = shift, share
   * of exact zeros, grid levels, scale. Undefined without the native kernels.
   */
  layerFirstChunks(
    pointers: readonly number[],
    accumulators: readonly number[],
    count: number,
    cols: number,
    sample: { shift: number; zeros: number; gridRows: number },
  ): Float64Array | undefined {
    const native = this.native;
    if (!native) return undefined;
    // The kernel reads each model's values and writes its accumulator: both must lie in allocated memory.
    for (const pointer of pointers) this.address(pointer, count * 4);
    for (const accumulator of accumulators) this.address(accumulator, POWER_SUM_WORDS * 8);
    const out = new Float64Array(4 * pointers.length);
    native.layerFirstChunks(
      this.base,
      Uint32Array.from(pointers),
      Uint32Array.from(accumulators),
      pointers.length,
      count,
      cols,
      sample.shift,
      sample.zeros,
      sample.gridRows,
      out,
    );
    return out;
  }

  /**
   * layerFirstChunks then each group's pairwise |Δ| for every layer of `layers`, in one native call (tree-kernels.c,
   * the same calls in the same order a layer): a layer's accumulators lie in one region (powerSumAccumulators(models)
   * at `sums`), each group's pairs at its `out` (2·k·k f64), read back with readHeldPairs. Returns each layer's
   * layerFirstChunks output after the layers before it (4 numbers a model). Undefined without the native kernels.
   */
  heldLayers(layers: readonly HeldLayer[], sample: { shift: number; zeros: number; gridRows: number }): Float64Array | undefined {
    const native = this.native;
    if (!native) return undefined;
    let words = 0;
    let outputs = 0;
    for (const { pointers, groups } of layers) {
      words += 5 + pointers.length;
      for (const { members } of groups) words += 2 + members.length;
      outputs += 4 * pointers.length;
    }
    const plan = new Uint32Array(words);
    let at = 0;
    for (const { pointers, sums, count, cols, groups } of layers) {
      // The kernel reads each model's values and writes its accumulators and pairs: all must lie in allocated memory.
      for (const pointer of pointers) this.address(pointer, count * 4);
      this.address(sums, pointers.length * POWER_SUM_WORDS * 8);
      plan[at] = pointers.length;
      plan[at + 1] = count;
      plan[at + 2] = cols;
      plan[at + 3] = sums;
      plan[at + 4] = groups.length;
      plan.set(pointers, at + 5);
      at += 5 + pointers.length;
      for (const { members, out } of groups) {
        this.address(out, 2 * members.length * members.length * 8);
        for (const m of members) if (!(m >= 0 && m < pointers.length)) bug(`held layer group member ${m} is one of its ${pointers.length} models`);
        plan[at] = members.length;
        plan[at + 1] = out;
        plan.set(members, at + 2);
        at += 2 + members.length;
      }
    }
    const out = new Float64Array(outputs);
    native.heldLayers(this.base, plan, layers.length, sample.shift, sample.zeros, sample.gridRows, out);
    return out;
  }

  /** A heldLayers group's pairs: its max |Δ| and mean |Δ| (k × k each, as readPairMeans gives them), copied out. */
  readHeldPairs(out: number, k: number): { max: Float64Array; mean: Float64Array } {
    return { max: this.f64Copy(out, k * k), mean: this.f64Copy(out + k * k * 8, k * k) };
  }

  /** layerStart's output, reused. */
  private readonly startOut = new Float64Array(3);

  /** An empty power-sum accumulator (Σy … Σy⁴ = 0, range +∞ … −∞). */
  powerSumAccumulator(): number {
    const pointer = this.allocate(POWER_SUM_WORDS * 8);
    this.f64(pointer, POWER_SUM_WORDS).set([0, 0, 0, 0, Infinity, -Infinity]);
    return pointer;
  }

  /** Whether addPowerSums takes 16-bit weights as they were read (only the native kernels do). */
  get sums16Bit(): boolean {
    return this.native !== undefined;
  }

  /**
   * Adds the power sums of the `count` values at `values` around `shift` into `accumulator`:
   * f32 values, or with the native kernels (sums16Bit) raw BF16/F16 ones, widened in registers.
   * The kernel forms x − shift in f32, so `shift` must be an f32 value (Math.fround). Returns
   * the scale to pass with the layer's next chunk: the first chunk (scale 0) finds it from its
   * range, later chunks reuse it and take one pass instead of two (a chunk whose range would
   * overflow that scale is redone with its own).
   */
  addPowerSums(values: number, count: number, shift: number, accumulator: number, scale = 0, dtype: "F32" | "BF16" | "F16" = "F32"): number {
    if (!Object.is(Math.fround(shift), shift)) throw new RangeError(`power-sum shift ${shift} is not an f32 value`);
    if (dtype !== "F32" && !this.native) throw new RangeError(`the WebAssembly kernels sum f32 weights only (got ${dtype}): widen them first`);
    const used = this.powerSums(values, count, shift, scale, accumulator, dtype);
    if (scale === 0) return used;
    if (used === 0) this.powerSums(values, count, shift, 0, accumulator, dtype);
    return scale;
  }

  private powerSums(values: number, count: number, shift: number, scale: number, accumulator: number, dtype: "F32" | "BF16" | "F16"): number {
    const native = this.native;
    if (!native) return this.kernels.addPowerSums(values, count, shift, scale, accumulator);
    const at = [this.address(values, count * (dtype === "F32" ? 4 : 2)), this.address(accumulator, POWER_SUM_WORDS * 8)] as const;
    const sums = dtype === "F32" ? native.addPowerSums : dtype === "BF16" ? native.addPowerSumsBf16 : native.addPowerSumsF16;
    return sums(at[0], count, shift, scale, at[1]);
  }

  /**
   * `count` empty accumulators in one region, the m-th at the returned pointer + 48·m: the layout of
   * `count` powerSumAccumulator calls in a row (48 bytes is a multiple of the alignment), in one view.
   */
  powerSumAccumulators(count: number): number {
    const pointer = this.allocate(count * POWER_SUM_WORDS * 8);
    const sums = this.f64(pointer, count * POWER_SUM_WORDS);
    for (let at = 0; at < sums.length; at += POWER_SUM_WORDS) {
      sums[at] = sums[at + 1] = sums[at + 2] = sums[at + 3] = 0;
      sums[at + 4] = Infinity;
      sums[at + 5] = -Infinity;
    }
    return pointer;
  }

  /** The power sums gathered in `accumulator` (which was fed with this `shift`). */
  readPowerSums(accumulator: number, shift: number): PowerSums {
    return powerSumsAt(this.f64(accumulator, POWER_SUM_WORDS), 0, shift);
  }

  /** readPowerSums of each of the accumulators of powerSumAccumulators(shifts.length) at `pointer`, the m-th fed with shifts(m), in one view. */
  readEachPowerSums(pointer: number, count: number, shift: (m: number) => number): PowerSums[] {
    const sums = this.f64(pointer, count * POWER_SUM_WORDS);
    const out: PowerSums[] = new Array(count);
    for (let m = 0; m < count; m++) out[m] = powerSumsAt(sums, POWER_SUM_WORDS * m, shift(m));
    return out;
  }

  /** An empty pairwise accumulator over the f32 buffers at `pointers` (one per model). */
  pairwiseAccumulator(pointers: readonly number[]): PairwiseAccumulator {
    const models = pointers.length;
    const table = this.allocate(models * 4);
    const out = this.allocate(2 * models * models * 8);
    new Uint32Array(this.memory.buffer, table, models).set(pointers);
    this.f64(out, 2 * models * models).fill(0);
    return { models, pointers: [...pointers], table, out };
  }

  /** Folds the first `count` values of every buffer into the pairwise max |Δ| and Σ|Δ|. */
  addPairwise(accumulator: PairwiseAccumulator, count: number): void {
    const { table, models, out } = accumulator;
    if (this.native) {
      for (const pointer of accumulator.pointers) this.address(pointer, count * 4);
      this.native.addPairwise(this.base, this.address(table, models * 4), models, count, this.address(out, 2 * models * models * 8));
    } else this.kernels.addPairwiseAbsoluteDifferences(table, models, count, out);
  }

  /** readPairwise's max |Δ| and its Σ|Δ| divided by `count` (meanAbsDiff), the division in the same pass: the same values. */
  readPairMeans(accumulator: PairwiseAccumulator, count: number): { max: Float64Array; mean: Float64Array } {
    const n = accumulator.models;
    const max = this.f64Copy(accumulator.out, n * n);
    const sum = this.f64(accumulator.out + n * n * 8, n * n);
    const mean = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      mean[i * n + i] = sum[i * n + i]! / count;
      for (let j = i + 1; j < n; j++) {
        max[j * n + i] = max[i * n + j]!;
        mean[i * n + j] = mean[j * n + i] = sum[i * n + j]! / count;
      }
    }
    return { max, mean };
  }

  /** The pairwise max |Δ| and Σ|Δ| gathered so far, as symmetric matrices. */
  readPairwise(accumulator: PairwiseAccumulator): PairwiseDifferences {
    const n = accumulator.models;
    const max = this.f64Copy(accumulator.out, n * n);
    const sum = this.f64Copy(accumulator.out + n * n * 8, n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        max[j * n + i] = max[i * n + j]!;
        sum[j * n + i] = sum[i * n + j]!;
      }
    }
    return { max, sum };
  }

  /** Copies a sparse sign map into kernel memory. */
  copySigns(map: SparseSigns, inputs: number): KernelSigns {
    return { buckets: this.copyIn(map.bucket), signs: this.copyIn(map.sign), sparsity: map.bucket.length / inputs };
  }

  /**
   * Adds Ψᵀ W for `rows` rows of f32 weights at `weights` (rows firstRow … of the layer) into
   * the f64 `partial` (leftWidth × cols).
   */
  addSketchRows(weights: number, firstRow: number, rows: number, cols: number, left: KernelSigns, partial: number): void {
    const skip = firstRow * left.sparsity;
    const [buckets, signs] = [left.buckets + skip * 4, left.signs + skip * 8];
    const sparsity = left.sparsity;
    if (this.native) {
      // The bucket indices (rows of `partial`) come from the sketcher's own map and are trusted.
      const at = [
        this.address(weights, rows * cols * 4),
        this.address(buckets, rows * sparsity * 4),
        this.address(signs, rows * sparsity * 8),
        this.address(partial, cols * 8),
      ] as const;
      this.native.sketchRows(at[0], rows, cols, at[1], at[2], sparsity, at[3]);
    } else this.kernels.sketchRows(weights, rows, cols, buckets, signs, sparsity, partial);
  }

  /** (Ψᵀ W) Ω: the leftWidth × rightWidth core of a finished `partial` (JS-owned). */
  sketchColumns(partial: number, leftWidth: number, cols: number, right: KernelSigns, rightWidth: number): Float64Array {
    return this.scratch(() => {
      const core = this.allocate(leftWidth * rightWidth * 8);
      this.sketchColumnsInto(partial, leftWidth, cols, right, rightWidth, core);
      return this.f64Copy(core, leftWidth * rightWidth);
    });
  }

  /**
   * The row-sample sketch (rows `sampled` of each layer, then Ω) of every whole cols-wide f32
   * layer at `pointers` (each of at least the highest sampled row + 1 rows), natively in one
   * call: the bits of sketchRows through the identity map and sketchColumns per model
   * (low-rank-kernels.c). The sketches in fresh JavaScript memory, each a view of one array for them all; undefined without the native kernels.
   */
  rowSampleSketches(pointers: readonly number[], cols: number, sampled: Int32Array, right: KernelSigns, width: number): Float64Array[] | undefined {
    const native = this.native;
    if (!native) return undefined;
    const kLeft = sampled.length;
    const rows = sampled.reduce((most, row) => Math.max(most, row + 1), 0);
    return this.scratch(() => {
      const [rowsAt, out] = [this.copyIn(sampled), this.allocate(pointers.length * kLeft * width * 8)];
      // The kernel reads each model's sampled rows: they must lie in allocated memory.
      for (const pointer of pointers) this.address(pointer, rows * cols * 4);
      const sparsity = right.sparsity;
      native.rowSampleSketches(
        this.base,
        Uint32Array.from(pointers),
        pointers.length,
        cols,
        this.address(rowsAt, kLeft * 4),
        kLeft,
        this.address(right.buckets, cols * sparsity * 4),
        this.address(right.signs, cols * sparsity * 8),
        sparsity,
        width,
        this.address(out, pointers.length * kLeft * width * 8),
      );
      // One copy for every model, each sketch a view of it: a fresh array each was ~0.17 ms of a 20-model tree's ~0.3 ms of sketches.
      const size = kLeft * width;
      const all = this.f64Copy(out, pointers.length * size);
      return pointers.map((_, m) => all.subarray(m * size, (m + 1) * size));
    });
  }

  /** `out` (rows × width f64, in kernel memory) = M Ω for the rows × cols f64 matrix M at `matrix`. */
  sketchColumnsInto(matrix: number, rows: number, cols: number, right: KernelSigns, width: number, out: number): void {
    this.f64(out, rows * width).fill(0);
    const sparsity = right.sparsity;
    if (this.native) {
      // The bucket indices (columns of `out`) come from the sketcher's own map and are trusted.
      const at = [
        this.address(matrix, rows * cols * 8),
        this.address(right.buckets, cols * sparsity * 4),
        this.address(right.signs, cols * sparsity * 8),
        this.address(out, rows * width * 8),
      ] as const;
      this.native.sketchColumns(at[0], rows, cols, at[1], at[2], sparsity, width, at[3]);
    } else this.kernels.sketchColumns(matrix, rows, cols, right.buckets, right.signs, sparsity, width, out);
  }

  /** `out` = a − b over `count` f64 values, all in kernel memory. */
  subtract(a: number, b: number, count: number, out: number): void {
    this.kernels.subtractF64(a, b, count, out);
  }

  /**
   * Householder bidiagonalisation of a rows × cols (rows ≥ cols) row-major matrix, as
   * bidiagonalize in src/distance/bidiagonal-singular-values.ts computes it (the input is not
   * modified here). About 3× faster than the TypeScript loops at the 168 × 160 sketch size.
   */
  bidiagonalize(matrix: Float64Array, rows: number, cols: number): Bidiagonal {
    if (rows < cols) throw new RangeError(`bidiagonalize needs rows ≥ cols (got ${rows}×${cols})`);
    return this.scratch(() => this.bidiagonalizeInPlace(this.copyIn(matrix), rows, cols));
  }

  /** As `bidiagonalize`, on a matrix already in kernel memory, which it overwrites. */
  bidiagonalizeInPlace(matrix: number, rows: number, cols: number): Bidiagonal {
    if (rows < cols) throw new RangeError(`bidiagonalize needs rows ≥ cols (got ${rows}×${cols})`);
    return this.scratch(() => {
      const diagonal = this.allocate(cols * 8);
      const superdiagonal = this.allocate(Math.max(cols - 1, 0) * 8);
      const reflector = this.allocate(Math.max(rows, cols) * 8);
      const projection = this.allocate(cols * 8);
      if (this.native) {
        const at = [
          this.address(matrix, rows * cols * 8),
          this.address(diagonal, cols * 8),
          this.address(superdiagonal, Math.max(cols - 1, 0) * 8),
          this.address(reflector, Math.max(rows, cols) * 8),
          this.address(projection, cols * 8),
        ] as const;
        this.native.bidiagonalize(at[0], rows, cols, at[1], at[2], at[3], at[4]);
      } else this.kernels.bidiagonalize(matrix, rows, cols, diagonal, superdiagonal, reflector, projection);
      return { diagonal: this.f64Copy(diagonal, cols), superdiagonal: this.f64Copy(superdiagonal, Math.max(cols - 1, 0)) };
    });
  }

  /**
   * The rank of each difference sketches[pairs[2q]] − sketches[pairs[2q + 1]] (rows ≥ cols, slot s
   * at `sketches` + s · rows · cols f64 values) above floors[q], natively (rank-kernels.c: the
   * subtraction, this bidiagonalisation and rankAboveFloor's bits); undefined without the native kernels. With
   * `atLeast` ≥ 1, a pair whose rank a Gram–Cholesky test proves to be at least `atLeast` is given `atLeast`
   * without its bidiagonalisation (rank-kernels.c, rank_proven_at_least); every other rank is exact.
   */
  rankDifferences(
    sketches: number,
    slots: number,
    rows: number,
    cols: number,
    pairs: Int32Array,
    floors: Float64Array,
    epsilon: number,
    atLeast = 0,
  ): Int32Array | undefined {
    const native = this.native;
    if (!native) return undefined;
    return this.scratch(() => {
      const count = rows * cols;
      const [difference, diagonal, superdiagonal] = [this.allocate(count * 8), this.allocate(cols * 8), this.allocate(Math.max(cols - 1, 0) * 8)];
      const [reflector, projection] = [this.allocate(Math.max(rows, cols) * 8), this.allocate(cols * 8)];
      const ranks = new Int32Array(pairs.length / 2);
      native.rankDifferences(
        this.address(sketches, slots * count * 8),
        rows,
        cols,
        pairs,
        ranks.length,
        floors,
        epsilon,
        atLeast,
        this.address(difference, count * 8),
        this.address(diagonal, cols * 8),
        this.address(superdiagonal, Math.max(cols - 1, 0) * 8),
        this.address(reflector, Math.max(rows, cols) * 8),
        this.address(projection, cols * 8),
        ranks,
      );
      return ranks;
    });
  }
}
