/**
 * The one pass over the weights. Each selected layer is read once for every model of an
 * architecture group (one layer of every model in memory at a time) and everything recovery
 * needs from it is computed while it is there:
 *
 *   layer l of models 1..n ─┬─ per-model statistics (moments, kurtosis, min, max; entropy from a second read, when asked for)
 *                           ├─ per-pair max |Δ| and mean |Δ|          (distance layers)
 *                           └─ per-model low-rank sketch               (LoRA layers)
 *
 * Layers are independent, so they are spread over a small pool of Bun Workers (both cores);
 * small jobs run in-process, where a worker's start-up would cost more than it saves. The
 * sweeps run as SIMD kernels (native or WebAssembly) over weights read straight into kernel memory.
 */
import type { LayerKind, LayerStats, TensorInfo } from "../types.ts";
import { openTensorStream, readTensor, TensorScratch, type TensorMemory, type TensorStream } from "../io/read-safetensors.ts";
import { layerStats, powerSumShift, rootMeanSquareOf, statsFromPowerSums } from "../stats/layer-stats.ts";
import { absoluteDifference } from "../distance/elementwise-distance.ts";
import { threadKernels, type HeldLayer, type ModelChunk, type WeightKernels } from "../kernels/weight-kernels.ts";
import type { PairwiseAccumulator } from "../kernels/kernel-memory.ts";
import { stageFirstChunk, stageModels, sumIntegers, sweepChunk, sweepRest } from "./staged-chunks.ts";
import { makeRowSampleSketcher, makeSketcher, type LayerSketch, type Sketcher } from "./low-rank-sketch.ts";
import { MotherError } from "../errors.ts";
import { heldInKernels, lyingAt, sameBytes } from "./held-tensors.ts";
import { gridOf, START_SAMPLES, zeroFractionOf } from "./layer-start.ts";
import { nonFiniteWeight } from "../messages.ts";

/** What a layer is read for. */
export interface LayerRoles {
  /** Feeds ℓ_FT and the clustering distance: pairwise max |Δ| and mean |Δ|. */
  readonly distance: boolean;
  /** Feeds the directional score (its statistics). */
  readonly score: boolean;
  /** Feeds ℓ_LoRA: keep a low-rank sketch per model. */
  readonly sketch: boolean;
}

/** One layer to read: the same parameter name in every model of the group. */
export interface LayerJob {
  readonly name: string;
  readonly kind: LayerKind;
  readonly shape: readonly number[];
  /** tensors[i] is this layer in model i. */
  readonly tensors: readonly TensorInfo[];
  readonly roles: LayerRoles;
  readonly sketchSize: number;
  /**
   * Set on auto's probe (probe-low-rank.ts): sketch only a row sample this wide, enough to tell
   * a low rank from a high one (makeRowSampleSketcher), instead of the ℓ_LoRA sketch.
   */
  readonly probeWidth?: number;
  /**
   * Set when a large set was clustered first (recover.ts): only models of the same group are
   * compared, and pairs across groups read +∞ in maxAbsDiff and meanAbsDiff.
   */
  readonly pairGroups?: readonly (readonly number[])[];
  /** Read only the layer's first this-many values (whole rows, at least one): the clustering sample. */
  readonly sampleValues?: number;
  /** Histogram bins for the entropy statistic; 0 skips the histogram (entropy = NaN). */
  readonly histogramBins: number;
}

/** The bytes a layer job reads (every model's tensor, or its sample). */
export function jobBytes(job: LayerJob): number {
  const share = valueCount(job) / job.shape.reduce((product, size) => product * size, 1);
  return Math.round(share * job.tensors.reduce((sum, tensor) => sum + tensor.byteLength, 0));
}

/** Values per model the job reads: the whole layer, or its sample in whole rows. */
export function valueCount(job: LayerJob): number {
  const count = job.shape.reduce((product, size) => product * size, 1);
  if (job.sampleValues === undefined) return count;
  const row = job.shape.length === 2 ? job.shape[1]! : 1;
  return Math.min(count, Math.max(row, Math.floor(job.sampleValues / row) * row));
}

/** The groups of models whose pairs a distance job compares (all models in one by default). */
export function comparedGroups(job: LayerJob): readonly (readonly number[])[] {
  return job.pairGroups ?? [job.tensors.map((_, m) => m)];
}

/**
 * n × n max and Σ |Δ| from per-group results (`max`/`sum` k × k over `members`): +∞ between
 * groups, 0 on the diagonal.
 */
function assemblePairs(
  n: number,
  groups: readonly { members: readonly number[]; max: Float64Array; sum: Float64Array }[],
): { max: Float64Array; sum: Float64Array } {
  if (groups.length === 1 && groups[0]!.members.length === n) return groups[0]!;
  const max = new Float64Array(n * n).fill(Infinity);
  const sum = new Float64Array(n * n).fill(Infinity);
  for (let i = 0; i < n; i++) max[i * n + i] = sum[i * n + i] = 0;
  for (const group of groups) {
    const k = group.members.length;
    group.members.forEach((a, i) =>
      group.members.forEach((b, j) => {
        max[a * n + b] = group.max[i * k + j]!;
        sum[a * n + b] = group.sum[i * k + j]!;
      }),
    );
  }
  return { max, sum };
}

/** Everything recovery keeps of one layer after its weights are dropped. */
export interface LayerResult {
  readonly name: string;
  readonly stats: LayerStats[];
  /** n×n symmetric raw max |u_l − v_l| (distance layers only; empty otherwise). */
  readonly maxAbsDiff: Float64Array;
  /** n×n symmetric mean |u_l − v_l| (distance layers only; empty otherwise). */
  readonly meanAbsDiff: Float64Array;
  /** One sketch per model (LoRA layers only; empty otherwise). */
  readonly sketches: LayerSketch[];
  /** Per model, the fraction of exact zeros among the layer's first ZERO_SAMPLE values (pruned copies show it). */
  readonly zeroFraction: number[];
  /** Per model, the quantisation grid its first GRID_ROWS rows lie on (255, 16; 0 for none or not a matrix). */
  readonly gridLevels: number[];
}

/**
 * How a layer is reduced: "kernels" (the default) streams it through the SIMD kernels (native
 * where this machine has them, else WebAssembly); "reference" is the plain TypeScript path the
 * kernels are tested against, which also serves what the kernels do not: F64 weights, and the
 * histogram of the entropy statistic (it needs the range first).
 */
export type LayerEngine = "kernels" | "reference";

/**
 * Reads one layer of every model and reduces it (runs in a worker or in-process). Asking for
 * entropy (a histogram) adds a second read of each tensor for it alone: the moments and
 * distances stay the kernels', so a tree does not change with the statistics requested.
 */
export async function analyseLayer(job: LayerJob, engine: LayerEngine = "kernels"): Promise<LayerResult> {
  if (engine === "reference" || job.tensors.some((t) => t.dtype === "F64")) return analyseWithReference(job);
  const result = await analyseWithKernels(job, await threadKernels());
  return job.histogramBins === 0 ? result : withEntropy(result, job);
}

/**
 * analyseLayer of each job in turn (one pool task: a tree's clustering sample in-process, LayerReader.readAll), layers
 * all held in one chunk (analyseHeldLayers) in one native call.
 */
export async function analyseLayers(jobs: readonly LayerJob[]): Promise<LayerResult[]> {
  const kernels = await threadKernels();
  const held = jobs.every((job) => job.histogramBins === 0) ? analyseHeldLayers(jobs, kernels) : undefined;
  if (held) return held;
  const results: LayerResult[] = [];
  for (const job of jobs) results.push(await analyseLayer(job));
  return results;
}

/** `result` with each model's histogram entropy, from a second read of its tensor. */
async function withEntropy(result: LayerResult, job: LayerJob): Promise<LayerResult> {
  const count = valueCount(job);
  const stats: LayerStats[] = [];
  for (const [m, tensor] of job.tensors.entries()) {
    const data = await readTensor(tensor, (scratches[m] ??= new TensorScratch()), { checkFinite: false, count });
    stats.push({ ...result.stats[m]!, entropy: namingTheTensor(tensor, () => layerStats(data, job.histogramBins)).entropy });
  }
  return { ...result, stats };
}

/**
 * Values per model read at a time (256 KB of f32): big enough that the per-read overhead
 * stays small (16 KB chunks were ~10 % slower end to end), small enough that the chunks of a
 * layer's models are still in cache when the kernels sweep them.
 */
export const CHUNK_VALUES = 65536;

/**
 * Values per model per chunk for sketched layers (1 MB of f32): the sketch kernel reuses each
 * bucket row once per row that lands in it, so it wants a few hundred rows at a time.
 */
export const SKETCH_CHUNK_VALUES = 262144;

/** The kernel path: a held layer in one chunk (analyseHeldLayer), else any layer streamed (analyseStreamed). */
async function analyseWithKernels(job: LayerJob, kernels: WeightKernels): Promise<LayerResult> {
  return analyseHeldLayer(job, kernels) ?? (await analyseStreamed(job, kernels));
}

/**
 * analyseStreamed's result for a layer read in one chunk, not sketched, whose models' f32 values
 * all lie in held files of their own (a tree's clustering sample at scale): analyseHeldLayers of it alone.
 */
export function analyseHeldLayer(job: LayerJob, kernels: WeightKernels): LayerResult | undefined {
  return analyseHeldLayers([job], kernels)?.[0];
}

/**
 * analyseStreamed's results for layers each read in one chunk, not sketched, whose models' f32 values
 * all lie in held files of their own (a tree's clustering sample at scale: twelve layers): the same
 * kernel calls on the same values in the same order a layer — every model's start and power sums,
 * then each group's pairwise |Δ| — for every layer in one native call, without the streaming path's
 * set-up. That path is one function of ~7,000 bytecodes, which the JIT compiled in ~45 ms on set-1000
 * and ran in its slower tiers until then; this one is small. Undefined (nothing kept) unless every
 * layer is such a layer and the native kernels are there.
 */
export function analyseHeldLayers(jobs: readonly LayerJob[], kernels: WeightKernels): LayerResult[] | undefined {
  kernels.reset();
  const layers: HeldLayer[] = new Array(jobs.length);
  for (let l = 0; l < jobs.length; l++) {
    const layer = heldLayer(jobs[l]!, kernels);
    if (!layer) return undefined;
    layers[l] = layer;
  }
  const together = kernels.heldLayers(layers, START_SAMPLES);
  if (!together) return undefined;
  const results: LayerResult[] = new Array(jobs.length);
  let at = 0;
  for (let l = 0; l < jobs.length; l++) {
    const job = jobs[l]!;
    const { count, sums, pointers, groups } = layers[l]!;
    const n = pointers.length;
    const stats: LayerStats[] = new Array(n);
    const zeroFraction: number[] = new Array(n);
    const grids: number[] = new Array(n);
    const summed = kernels.readEachPowerSums(sums, n, (m) => together[at + 4 * m]!);
    for (let m = 0; m < n; m++) {
      stats[m] = namingTheTensor(job.tensors[m]!, () => statsFromPowerSums(count, summed[m]!));
      zeroFraction[m] = together[at + 4 * m + 1]!;
      grids[m] = together[at + 4 * m + 2]!;
    }
    at += 4 * n;
    results[l] = { name: job.name, stats, ...heldPairs(job, kernels, groups), sketches: [], zeroFraction, gridLevels: grids };
  }
  return results;
}

/** One layer of analyseHeldLayers, its regions allocated; undefined when it is not such a layer. */
function heldLayer(job: LayerJob, kernels: WeightKernels): HeldLayer | undefined {
  const n = job.tensors.length;
  const count = valueCount(job);
  const matrix = job.shape.length === 2;
  if (n === 0 || count === 0 || (job.roles.sketch && matrix) || count > chunkValues(job)) return undefined;
  // Models in files of their own share no bytes (no twins: analyseStreamed's test).
  const files = new Set<string>();
  for (const tensor of job.tensors) files.add(tensor.file);
  if (files.size !== n) return undefined;
  const pointers: number[] = new Array(n);
  for (let m = 0; m < n; m++) {
    const pointer = heldInKernels(job.tensors[m]!, count, kernels);
    if (pointer === undefined) return undefined;
    pointers[m] = pointer;
  }
  const sums = kernels.powerSumAccumulators(n);
  const groups = job.roles.distance ? comparedGroups(job).map((members) => ({ members, out: kernels.allocate(2 * members.length * members.length * 8) })) : [];
  return { pointers, sums, count, cols: matrix ? job.shape[1]! : 0, groups };
}

/** pairsOf for analyseHeldLayers: each group's max and mean |Δ| as the kernel left them (readPairMeans's), assembled as pairsOf does. */
function heldPairs(job: LayerJob, kernels: WeightKernels, groups: HeldLayer["groups"]): Pick<LayerResult, "maxAbsDiff" | "meanAbsDiff"> {
  if (!job.roles.distance) return { maxAbsDiff: new Float64Array(0), meanAbsDiff: new Float64Array(0) };
  const read = groups.map(({ members, out }) => ({ members, ...kernels.readHeldPairs(out, members.length) }));
  // assemblePairs puts each group's entries where they belong, +∞ between groups and 0 on the diagonal: the sums'
  // places, so their means (+∞ / count is +∞, 0 / count is 0) assemble as pairsOf's meansOf of the assembled sums.
  const { max, sum: mean } = assemblePairs(
    job.tensors.length,
    read.map(({ members, max, mean }) => ({ members, max, sum: mean })),
  );
  return { maxAbsDiff: max, meanAbsDiff: mean };
}

/**
 * The kernel path for any layer: it is streamed in chunks of whole rows, each chunk of every model
 * read into kernel memory (16-bit ones widened there) and folded into running power sums,
 * pairwise |Δ| and sketches. Kernel memory holds one chunk per model, plus, for sketched
 * layers, one (sketch size + 8) × columns f64 partial sketch per model.
 */
async function analyseStreamed(job: LayerJob, kernels: WeightKernels): Promise<LayerResult> {
  const n = job.tensors.length;
  const count = valueCount(job);
  const matrix = job.shape.length === 2;
  const cols = matrix ? job.shape[1]! : 1;
  const sketched = job.roles.sketch && matrix;
  const chunk = chunkValues(job);

  // Every region is allocated before any view is made: allocating may grow (and detach) memory.
  kernels.reset();
  // A tensor that is an earlier model's very bytes (an adapter's unadapted layer is its base's) is
  // read once: its model shares that model's buffer and statistics, and pairs still see its values.
  // Bytes are shared only within a file: models in files of their own (a tree of separate models) have no twin.
  const twins =
    new Set(job.tensors.map((tensor) => tensor.file)).size === job.tensors.length
      ? job.tensors.map(() => -1)
      : job.tensors.map((tensor, m) => job.tensors.findIndex((other, i) => i < m && sameBytes(tensor, other)));
  // An f32 layer read in one chunk from a file held in kernel memory (held-files.ts) is swept where it lies.
  const inPlace = job.tensors.map((tensor, m) => (twins[m]! < 0 && count <= chunk ? heldInKernels(tensor, count, kernels) : undefined));
  const buffers: number[] = [];
  for (const [m, twin] of twins.entries()) buffers.push(twin >= 0 ? buffers[twin]! : (inPlace[m] ?? kernels.allocate(chunk * 4)));
  // Raw 16-bit chunks land here and are widened into the model's buffer by the kernels.
  // GGUF blocks (at most 2 bytes a value for the kernels' types) are staged there too.
  const staging = job.tensors.some((t) => t.dtype !== "F32" || t.encoding) ? kernels.allocate(chunk * 2) : -1;
  const powerSums = job.tensors.map(() => kernels.powerSumAccumulator());
  const pairwise = job.roles.distance
    ? comparedGroups(job).map((members) => ({ members, accumulator: kernels.pairwiseAccumulator(members.map((m) => buffers[m]!)) }))
    : [];
  const sketches = sketched ? sketcherFor(job).streamInKernels(kernels, n) : [];
  // GGUF blocks the kernels decode are left raw after the first chunk and swept in one fused call per chunk.
  const staged = sketched
    ? undefined
    : stageModels(
        job,
        kernels,
        chunk,
        count,
        pairwise.map(({ accumulator }) => accumulator),
      );
  // Models whose statistics come from their blocks' integers (staged-chunks.ts): decided at the first chunk.
  const integer = job.tensors.map(() => false);
  // A layer read only for its statistics needs no f32 copy: after the first chunk (whose
  // values also give the shift, zeros and grid), 16-bit chunks are summed where they landed.
  const statisticsOnly = kernels.sums16Bit && !job.roles.distance && !sketched;
  const shifts: number[] = [];
  const zeroFraction: number[] = [];
  const grids: number[] = [];
  const scales = job.tensors.map(() => 0);
  const streams: (TensorStream | undefined)[] = [];
  try {
    for (const [m, tensor] of job.tensors.entries())
      streams.push(twins[m]! >= 0 ? undefined : inPlace[m] !== undefined ? lyingAt(inPlace[m]!, kernels) : openTensorStream(tensor));
    for (let first = 0; first < count; first += chunk) {
      // After the first chunk, a staged layer may be read and swept to its end in one native call.
      if (first > 0 && staged && sweepRest(kernels, staged, { streams, buffers, powerSums, integer }, { first, count, chunk }, shifts, scales)) break;
      const values = Math.min(chunk, count - first);
      // The first chunk gives each model's shift and scale: it is read and swept the plain way.
      const chunks: ModelChunk[] | undefined = staged && first > 0 ? [] : undefined;
      // A layer in one chunk with every model's f32 values where they lie (held files, no twins): the same
      // starts and sums in one native call for all of them, not two and their JavaScript per model.
      const together =
        values === count && inPlace.every((pointer) => pointer !== undefined)
          ? kernels.layerFirstChunks(inPlace as number[], powerSums, values, matrix ? cols : 0, START_SAMPLES)
          : undefined;
      for (let m = 0; together && m < n; m++) {
        [shifts[m], zeroFraction[m], grids[m], scales[m]] = [together[4 * m]!, together[4 * m + 1]!, together[4 * m + 2]!, together[4 * m + 3]!];
        sketches[m]?.addRows(buffers[m]!, 0, values / cols);
      }
      for (const [m, stream] of together ? [] : streams.entries()) {
        const buffer = buffers[m]!;
        if (!stream) {
          const twin = twins[m]!;
          if (first === 0) [shifts[m], zeroFraction[m], grids[m]] = [shifts[twin]!, zeroFraction[twin]!, grids[twin]!];
          chunks?.push({ source: buffer, target: buffer, sums: powerSums[m]!, shift: shifts[m]!, scale: -1 });
          sketches[m]?.addRows(buffer, first / cols, values / cols);
          continue;
        }
        const placed = chunks && staged!.staging[m] && stream.stage?.(first, values, staged!.staging[m]!);
        if (chunks && placed) {
          const sums = { sums: powerSums[m]!, shift: shifts[m]!, scale: integer[m] ? -1 : scales[m]!, integer: integer[m] ? { decode: false } : undefined };
          chunks.push({ type: placed.type, source: placed.pointer, target: buffer, ...sums });
          continue;
        }
        // A staged model's first chunk is staged too and decoded natively (rotary rows included).
        const placedFirst = first === 0 && staged?.staging[m] ? stageFirstChunk(kernels, stream, staged.staging[m]!, values, buffer) : undefined;
        if (placedFirst) {
          // Its shift, zeros and grid scanned natively, as a first chunk read the plain way is (the same bits).
          const start = kernels.layerStart(placedFirst.values, matrix ? cols : 0, START_SAMPLES);
          const shift = Math.fround(start ? start[0]! : powerSumShift(placedFirst.values));
          zeroFraction[m] = start ? start[1]! : zeroFractionOf(placedFirst.values);
          [shifts[m], grids[m]] = [shift, start ? start[2]! : matrix ? gridOf(placedFirst.values, cols) : 0];
          integer[m] = staged!.integer[m]! && sumIntegers(kernels, placedFirst, values, shift, powerSums[m]!);
          if (!integer[m]) scales[m] = kernels.addPowerSums(buffer, values, shift, powerSums[m]!, 0);
          continue;
        }
        const stored = job.tensors[m]!.dtype;
        const raw = statisticsOnly && first > 0 && (stored === "BF16" || stored === "F16");
        const memory: TensorMemory = {
          bytesFor: (length, dtype) => kernels.bytes(dtype === "F32" ? buffer : staging, length),
          valuesFor: (size) => kernels.f32(buffer, size),
          // A raw chunk stays 16-bit; the reader's return value is used only for the first chunk.
          widen: (_bytes, dtype, size) => {
            if (raw) return NOT_WIDENED;
            kernels.widen(staging, buffer, size, dtype);
            return kernels.f32(buffer, size);
          },
          blocksFor: (length) => kernels.bytes(staging, length),
          dequantize: (type, size) => (kernels.dequantize(staging, buffer, size, type) ? kernels.f32(buffer, size) : undefined),
        };
        // The power sums turn non-finite on a NaN/Inf weight, so the reader's own check is skipped.
        const read = stream.read(first, values, memory, { checkFinite: false });
        if (first === 0) {
          // Natively where the chunk lies in kernel memory (these scans cost more than the sweeps on small layers).
          const start = kernels.layerStart(read, matrix ? cols : 0, START_SAMPLES);
          shifts[m] = Math.fround(start ? start[0]! : powerSumShift(read));
          zeroFraction[m] = start ? start[1]! : zeroFractionOf(read);
          grids[m] = start ? start[2]! : matrix ? gridOf(read, cols) : 0;
        }
        // In a fused chunk the kernel sums f32 chunks too; a raw 16-bit one is summed below, as it lies.
        if (chunks) chunks.push({ source: buffer, target: buffer, sums: powerSums[m]!, shift: shifts[m]!, scale: raw ? -1 : scales[m]! });
        if (chunks && !raw) continue;
        if (raw) scales[m] = kernels.addPowerSums(staging, values, shifts[m]!, powerSums[m]!, scales[m], stored);
        else scales[m] = kernels.addPowerSums(buffer, values, shifts[m]!, powerSums[m]!, scales[m]);
        sketches[m]?.addRows(buffer, first / cols, values / cols);
      }
      if (chunks) {
        sweepChunk(kernels, staged!, chunks, values, scales);
        continue;
      }
      for (const { accumulator } of pairwise) kernels.addPairwise(accumulator, values);
    }
  } finally {
    for (const stream of streams) stream?.close();
  }

  const summed = (m: number) => (twins[m]! >= 0 ? twins[m]! : m);
  const stats = job.tensors.map((tensor, m) =>
    namingTheTensor(tensor, () => statsFromPowerSums(count, kernels.readPowerSums(powerSums[summed(m)]!, shifts[m]!))),
  );
  return {
    name: job.name,
    stats,
    ...pairsOf(job, kernels, pairwise, count),
    sketches: sketches.map((sketch, m) => sketch.finish(job.tensors[m]!.dtype, rootMeanSquareOf(stats[m]!))),
    zeroFraction,
    gridLevels: grids,
  };
}

/** A layer result's max and mean |Δ| (n × n, assemblePairs) from each compared group's accumulator; empty for a layer without distances. */
function pairsOf(
  job: LayerJob,
  kernels: WeightKernels,
  pairwise: readonly { members: readonly number[]; accumulator: PairwiseAccumulator }[],
  count: number,
): Pick<LayerResult, "maxAbsDiff" | "meanAbsDiff"> {
  if (!job.roles.distance) return { maxAbsDiff: new Float64Array(0), meanAbsDiff: new Float64Array(0) };
  // One group of every model (assemblePairs takes its matrices as they are): the means formed as the matrices are read.
  const [only] = pairwise;
  if (pairwise.length === 1 && only!.members.length === job.tensors.length) {
    const { max, mean } = kernels.readPairMeans(only!.accumulator, count);
    return { maxAbsDiff: max, meanAbsDiff: mean };
  }
  const differences = assemblePairs(
    job.tensors.length,
    pairwise.map(({ members, accumulator }) => ({ members, ...kernels.readPairwise(accumulator) })),
  );
  return { maxAbsDiff: differences.max, meanAbsDiff: meansOf(differences.sum, count) };
}

/** Each pair's sum of |Δ| over `count` values, divided: a loop (a typed array's map with a callback was ~5 % of a small tree's pass). */
function meansOf(sums: Float64Array, count: number): Float64Array {
  const out = new Float64Array(sums.length);
  for (let at = 0; at < sums.length; at++) out[at] = sums[at]! / count;
  return out;
}

/** Values per model the kernel path reads and sweeps at a time (whole rows; the job's own count when it is smaller). */
export function chunkValues(job: LayerJob): number {
  const matrix = job.shape.length === 2;
  const cols = matrix ? job.shape[1]! : 1;
  const sketched = job.roles.sketch && matrix;
  // A row sample is copied, not swept: ordinary chunks serve it.
  const rowsPerChunk = Math.max(1, Math.floor((sketched && !job.probeWidth ? SKETCH_CHUNK_VALUES : CHUNK_VALUES) / cols));
  return Math.min(valueCount(job), rowsPerChunk * cols);
}

/** What the reader hands back for a chunk left 16-bit in kernel memory (never looked at). */
const NOT_WIDENED = new Float32Array(0);

/**
 * Read buffers, one per model slot, reused from layer to layer: all n tensors of a layer are
 * alive together, and fresh memory for each read costs more than the read itself (bench/read-tensor.ts).
 */
const scratches: TensorScratch[] = [];

async function analyseWithReference(job: LayerJob): Promise<LayerResult> {
  const n = job.tensors.length;
  const values: (Float32Array | Float64Array)[] = [];
  const stats: LayerStats[] = [];
  const count = valueCount(job);
  for (const [m, tensor] of job.tensors.entries()) {
    const data = await readTensor(tensor, (scratches[m] ??= new TensorScratch()), { checkFinite: false, count });
    stats.push(namingTheTensor(tensor, () => layerStats(data, job.histogramBins)));
    values.push(data);
  }
  const maxAbsDiff = job.roles.distance ? new Float64Array(n * n).fill(Infinity) : new Float64Array(0);
  const meanAbsDiff = job.roles.distance ? new Float64Array(n * n).fill(Infinity) : new Float64Array(0);
  if (job.roles.distance) {
    for (let i = 0; i < n; i++) maxAbsDiff[i * n + i] = meanAbsDiff[i * n + i] = 0;
    for (const members of comparedGroups(job)) {
      for (const [a, i] of members.entries()) {
        for (const j of members.slice(a + 1)) {
          const { max, mean } = absoluteDifference(values[i]!, values[j]!);
          maxAbsDiff[i * n + j] = maxAbsDiff[j * n + i] = max;
          meanAbsDiff[i * n + j] = meanAbsDiff[j * n + i] = mean;
        }
      }
    }
  }
  let sketches: LayerSketch[] = [];
  if (job.roles.sketch && job.shape.length === 2) {
    const sketcher = sketcherFor(job);
    sketches = values.map((v, m) => sketcher.sketch(v, job.tensors[m]!.dtype, rootMeanSquareOf(stats[m]!)));
  }
  const cols = job.shape.length === 2 ? job.shape[1]! : 0;
  const grids = values.map((v) => (cols > 0 ? gridOf(v, cols) : 0));
  return { name: job.name, stats, maxAbsDiff, meanAbsDiff, sketches, zeroFraction: values.map(zeroFractionOf), gridLevels: grids };
}

/** The sketch a (2-D) layer job asks for: auto's row-sample probe, or ℓ_LoRA's. */
export function sketcherFor(job: LayerJob): Sketcher {
  const [rows, cols] = job.shape as [number, number];
  return job.probeWidth ? makeRowSampleSketcher(rows, cols, job.probeWidth) : makeSketcher(rows, cols, job.sketchSize);
}

/** Runs a statistics computation, reporting a non-finite weight against its file and tensor (the index's fingerprints too). */
export function namingTheTensor(tensor: TensorInfo, compute: () => LayerStats): LayerStats {
  try {
    return compute();
  } catch (error) {
    if (!(error instanceof MotherError)) throw error;
    throw nonFiniteWeight(tensor.file, tensor.name);
  }
}
