/**
 * A model's fingerprint: everything recovery from an index needs of one model, computed in one
 * streaming read of that model alone (issue #15, SPEC §9):
 *
 *   model ─► each selected layer, streamed in chunks ─┬─ power sums → per-layer statistics (as the layer pass computes them)
 *                                                      ├─ values at seeded positions (distance layers): the comparable sketch
 *                                                      └─ a running digest of the bytes read (the content checksum)
 *
 * The positions depend only on the layer's name and shape, so every model of an architecture
 * is sampled at the same places: for two models, the mean |u − v| over the samples of a layer
 * is an unbiased estimate of that layer's mean |Δw| (and their max a lower bound of its max),
 * which is what `--trees auto` clusters on (cluster-models.ts, relative distance).
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { LayerKind, LayerStats, ModelFormat, ModelSource, TensorInfo } from "../types.ts";
import { bug } from "../errors.ts";
import { fileIdentity, type FileIdentity } from "../io/file-identity.ts";
import { openTensorStream, readTensor, TensorScratch, type TensorStream } from "../io/read-safetensors.ts";
import { heldBytes } from "../io/held-files.ts";
import { layerStats, powerSumShift, SHIFT_SAMPLE, statsFromPowerSums } from "../stats/layer-stats.ts";
import { threadKernels, type WeightKernels } from "../kernels/weight-kernels.ts";
import { planLayers } from "../recover/plan-layers.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../recover/options.ts";
import { CHUNK_VALUES, namingTheTensor } from "../recover/layer-pass.ts";
import { makeUniform } from "../recover/seeded-random.ts";
import { sweepHeldLayers, sweepsHeld } from "./held-layer-sweep.ts";
import { cannotReadFile, nothingToCompare, tensorPastEndOfFile } from "../messages.ts";

/**
 * Bumped whenever what a fingerprint holds or how it is computed changes: older entries are read
 * again. 2: layers in name order (a GGUF file lists them block by block), GGUF files and adapters.
 * 3: a 16-bit layer's digest covers its type (F16 or BF16) as well as its bytes.
 */
export const FINGERPRINT_VERSION = 3;

/**
 * Seeded values kept per distance layer. The relative mean |Δw| of a layer is estimated to
 * ~0.75/√128 ≈ 7 % (one standard error) and the clustering takes the lower quartile over the
 * layers, against a gap of 0.58 (most distant same-tree pair on VTHR) to 1.03 (closest
 * unrelated pair): 512 bytes per layer in f32.
 */
export const SAMPLES_PER_LAYER = 128;

/** One layer as the fingerprint describes it (plan order). */
export interface FingerprintLayer {
  readonly name: string;
  readonly kind: LayerKind;
  readonly shape: readonly number[];
  /** Feeds the clustering distance (its seeded samples are kept). */
  readonly distance: boolean;
  /** Feeds the directional score (by default kurtosis over attention and MLP matrices). */
  readonly score: boolean;
}

/** What the index keeps of one model. */
export interface Fingerprint {
  readonly id: string;
  /** The model folder or file, absolute: the entry's key. */
  readonly path: string;
  /** Identity of every file the model's selected layers live in, sorted by path. */
  readonly files: readonly FileIdentity[];
  /** Digest (hex) of the bytes of every selected layer, in plan order. */
  readonly checksum: string;
  readonly version: number;
  /**
   * How the model is stored. A PEFT adapter's entry ("peft") describes its own files only: no
   * layers, statistics or samples (its base is found at recovery, fingerprintAdapterFactors).
   */
  readonly format: ModelFormat;
  /** Names and shapes of the selected layers: models of one architecture share it. */
  readonly architecture: string;
  readonly layers: readonly FingerprintLayer[];
  /** Statistics of each layer, in `layers` order (entropy NaN: no histogram). */
  readonly stats: readonly LayerStats[];
  /** SAMPLES_PER_LAYER values per distance layer, distance layers in `layers` order. */
  readonly samples: Float32Array;
}

/**
 * The selected layers of one model, as recovery's plan would read them (default layer kinds, no
 * sketches), in name order: samples are compared layer by layer across models, so every model of
 * an architecture must list them alike whatever its files' order (a GGUF file's is block by
 * block, a safetensors file's usually by name).
 */
export function fingerprintLayers(model: ModelSource): { layer: FingerprintLayer; tensor: TensorInfo }[] {
  const plan = planOf(model);
  const byName = new Map(model.tensors.map((tensor) => [tensor.name, tensor]));
  return plan.entries.map(({ layer, tensor }) => ({ layer, tensor: byName.get(tensor) ?? bug(`planned tensor ${tensor} is in its model`) }));
}

/** A model's fingerprint plan: its layers in name order, the tensor each reads, and the architecture key they make. */
interface FingerprintPlan {
  readonly entries: readonly { readonly layer: FingerprintLayer; readonly tensor: string }[];
  readonly layers: readonly FingerprintLayer[];
  readonly architecture: string;
}

/**
 * The plan of a model's tensor layout. It depends on the tensors' names, shapes and types only:
 * planned once per layout (classifying every name by pattern was 13 % of fingerprinting 1,000
 * models of one architecture), and a model listing the previous one's tensors alike takes its
 * plan without building its layout's key (a set lists an architecture's models one after another).
 */
function planOf(model: ModelSource): FingerprintPlan {
  if (last && sameLayout(last.tensors, model.tensors)) return last.plan;
  const layout = model.tensors.map((t) => `${t.name}:${t.shape.join("x")}:${t.dtype}`).join("|");
  let plan = plansOf.get(layout);
  if (!plan) {
    const entries = planLayers([model], { ...DEFAULT_RECOVER_OPTIONS, distance: "ft" }).map((job) => ({
      layer: { name: job.name, kind: job.kind, shape: job.shape, distance: job.roles.distance, score: job.roles.score },
      tensor: job.tensors[0]!.name,
    }));
    entries.sort((a, b) => (a.layer.name < b.layer.name ? -1 : a.layer.name > b.layer.name ? 1 : 0));
    const layers = entries.map((entry) => entry.layer);
    plan = { entries, layers, architecture: architectureOf(layers) };
    plansOf.set(layout, plan);
  }
  last = { tensors: model.tensors, plan };
  return plan;
}

/** Fingerprint plans by tensor layout (names, shapes, types). */
const plansOf = new Map<string, FingerprintPlan>();

/** The last model's tensors and plan. */
let last: { tensors: readonly TensorInfo[]; plan: FingerprintPlan } | undefined;

/** Whether two tensor lists have the same names, types and shapes in the same order. */
function sameLayout(a: readonly TensorInfo[], b: readonly TensorInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x.name !== y.name || x.dtype !== y.dtype || x.shape.length !== y.shape.length) return false;
    for (let d = 0; d < x.shape.length; d++) if (x.shape[d] !== y.shape[d]) return false;
  }
  return true;
}

/** The architecture key of a layer list: names and shapes, order-free (as groupByArchitecture groups). */
export function architectureOf(layers: readonly FingerprintLayer[]): string {
  const signature = layers
    .map((layer) => `${layer.name}:${layer.shape.join("x")}`)
    .sort()
    .join("|");
  return Bun.hash.wyhash(signature, 0n).toString(16).padStart(16, "0");
}

/**
 * The seeded positions of a layer (ascending, with repeats allowed): drawn uniformly from a
 * generator seeded by the layer's name and shape, so every model of an architecture gets the same ones.
 */
export function samplePositions(layer: Pick<FingerprintLayer, "name" | "shape">): Int32Array {
  const key = `${layer.name}:${layer.shape.join("x")}`;
  let positions = positionsOf.get(key);
  if (!positions) positionsOf.set(key, (positions = drawPositions(layer)));
  return positions;
}

/** Positions already drawn, by layer name and shape (an architecture's layers repeat model after model). */
const positionsOf = new Map<string, Int32Array>();

function drawPositions(layer: Pick<FingerprintLayer, "name" | "shape">): Int32Array {
  const count = layer.shape.reduce((product, size) => product * size, 1);
  const seed = Number(Bun.hash.wyhash(`${layer.name}:${layer.shape.join("x")}`, 0n) & 0xffffffffn);
  const positions = Int32Array.from(makeUniform(SAMPLES_PER_LAYER, seed), (u) => Math.min(count - 1, Math.floor(u * count)));
  return positions.sort();
}

/**
 * A file's selected tensors up to this many bytes apart are read with one pread (small models:
 * one read per model instead of one per layer); larger spans are streamed chunk by chunk.
 */
export const WHOLE_SPAN_BYTES = 16 * 1024 * 1024;

/**
 * Fingerprints one model: one streaming read of its selected layers, one file open at a time.
 * With `digest: false` the checksum is left empty ("") and its hashing skipped (~10 % of the
 * work): for fingerprints that only find trees and are then dropped (`mother recover` on a large
 * set keeps no index, so nothing compares checksums); every fingerprint written to an index has one.
 */
export async function fingerprintModel(model: ModelSource, { digest = true }: { readonly digest?: boolean } = {}): Promise<Fingerprint> {
  // An adapter not yet on a base is its factors: their digest, and nothing to compare.
  if (model.adapter && model.base === undefined) return fingerprintAdapterFactors(model);
  const plan = planOf(model);
  const planned = fingerprintLayers(model);
  if (!planned.some((p) => p.layer.distance)) {
    throw nothingToCompare(model.path, model.tensors.length);
  }
  const kernels = await threadKernels();
  const sampleAt: number[] = [];
  let distanceLayers = 0;
  for (const p of planned) sampleAt.push(p.layer.distance ? distanceLayers++ : -1);
  const samples = new Float32Array(distanceLayers * SAMPLES_PER_LAYER);
  const stats: LayerStats[] = new Array(planned.length);
  const digests = new BigUint64Array(planned.length);
  const files = [...new Set(planned.map((p) => p.tensor.file))].sort();
  const reader = new FileReader();
  try {
    for (const file of files) {
      const layers = planned.flatMap((p, l) => (p.tensor.file === file ? [l] : []));
      const span = wholeSpan(layers.map((l) => planned[l]!.tensor).filter(storedAsIs));
      kernels.reset();
      // A file held in kernel memory (fingerprintLocated reads a small model whole, once, for its header and its layers) is swept where it lies.
      const heldAt = span ? kernels.pointerOf(heldBytes(file) ?? EMPTY) : undefined;
      const spanPointer = !span ? -1 : heldAt !== undefined ? heldAt + span.start : kernels.allocate(span.end - span.start);
      if (span && heldAt === undefined) reader.read(file, span.start, kernels.bytes(spanPointer, span.end - span.start));
      // A held file's f32 layers of one chunk each: a few native calls for all of them (held-layer-sweep.ts), the same bits.
      const where = (l: number) => spanPointer + planned[l]!.tensor.offset - span!.start;
      const swept =
        heldAt !== undefined && layers.every((l) => sweepsHeld(planned[l]!.tensor, where(l)))
          ? sweepHeldLayers(
              kernels,
              layers.map((l) => {
                const { layer, tensor } = planned[l]!;
                const out = layer.distance ? samples.subarray(sampleAt[l]! * SAMPLES_PER_LAYER, (sampleAt[l]! + 1) * SAMPLES_PER_LAYER) : undefined;
                return { tensor, pointer: where(l), positions: out ? samplePositions(layer) : undefined, out };
              }),
              digest,
            )
          : undefined;
      swept?.forEach((read, at) => {
        digests[layers[at]!] = read.digest;
        stats[layers[at]!] = read.stats;
      });
      if (swept) continue;
      // Values per chunk: a stored tensor's bytes / 2 bound its count; a streamed one's count is its shape's.
      const sizes = layers.map((l) => planned[l]!.tensor).map((t) => (storedAsIs(t) ? t.byteLength / 2 : t.shape.reduce((product, size) => product * size, 1)));
      const chunk = Math.min(CHUNK_VALUES, Math.max(...sizes));
      const memory = { buffer: kernels.allocate(chunk * 4), staging: kernels.allocate(chunk * 4) };
      for (const l of layers) {
        const { layer, tensor } = planned[l]!;
        const out = layer.distance ? samples.subarray(sampleAt[l]! * SAMPLES_PER_LAYER, (sampleAt[l]! + 1) * SAMPLES_PER_LAYER) : undefined;
        const positions = out ? samplePositions(layer) : undefined;
        const stream = storedAsIs(tensor) ? undefined : openTensorStream(tensor);
        const fetch = stream ? { stream } : span ? { at: spanPointer + tensor.offset - span.start } : { reader };
        let read: { stats: LayerStats; digest: bigint };
        try {
          read =
            tensor.dtype === "F64" ? await readF64Layer(tensor, positions, out) : readLayerWithKernels(kernels, memory, fetch, tensor, positions, out, digest);
        } finally {
          stream?.close();
        }
        digests[l] = read.digest;
        stats[l] = read.stats;
      }
    }
  } finally {
    reader.close();
  }
  return {
    id: model.id,
    path: resolve(model.path),
    files: await Promise.all(files.map((file) => fileIdentity(file, statNow))),
    checksum: digest ? Bun.hash.wyhash(new Uint8Array(digests.buffer), 0n).toString(16).padStart(16, "0") : "",
    version: FINGERPRINT_VERSION,
    format: model.format ?? "safetensors",
    architecture: plan.architecture,
    layers: plan.layers,
    stats,
    samples,
  };
}

/** The architecture key of every adapter entry: adapters are grouped by their base, never with each other. */
export const ADAPTER_ARCHITECTURE = "peft-adapter";

/**
 * The entry of a PEFT adapter not yet on a base (docs/scale.md, "GGUF copies and adapters"):
 * which model is its base is a question about the whole set, not about its bytes
 * (place-adapters.ts decides it at recovery, as the ordinary path does), so the entry holds
 * what the adapter is — its config and weights files and a digest of both files' bytes (the
 * config sets the scale and names the base) — and no layers, statistics or samples.
 */
async function fingerprintAdapterFactors(model: ModelSource): Promise<Fingerprint> {
  const adapter = model.adapter ?? bug(`${model.path} is an adapter`);
  const files = [adapter.configFile, adapter.weightsFile].map((file) => resolve(file)).sort();
  let digest = 0n;
  for (const file of files) {
    try {
      digest = Bun.hash.wyhash(readFileSync(file), digest);
    } catch (error) {
      throw cannotReadFile(file, (error as NodeJS.ErrnoException).code ?? String(error));
    }
  }
  return {
    id: model.id,
    path: resolve(model.path),
    files: await Promise.all(files.map((file) => fileIdentity(file, statNow))),
    checksum: digest.toString(16).padStart(16, "0"),
    version: FINGERPRINT_VERSION,
    format: "peft",
    architecture: ADAPTER_ARCHITECTURE,
    layers: [],
    stats: [],
    samples: new Float32Array(0),
  };
}

/**
 * A blocking stat: Bun's promise-based one costs ~0.4 ms a call through its thread pool, more
 * than fingerprinting a small model; the identities of 10,000 models are checked at once.
 */
export async function statNow(path: string): Promise<{ size: number; mtimeMs: number }> {
  return statSync(path);
}

/**
 * Whether a tensor's bytes are its values as stored (read from the file's span or chunk by
 * chunk); a GGUF block tensor, one in llama.cpp's rotary row order, or an adapter's layer
 * (base + low-rank update) is read through its stream instead, which gives the values the
 * layer pass sees: dequantized, Hugging Face row order, update applied.
 */
function storedAsIs(tensor: TensorInfo): boolean {
  return !tensor.encoding && !tensor.lowRank;
}

/** The byte range covering `tensors` (one file) when there are any and it is small enough to read at once, else undefined. */
function wholeSpan(tensors: readonly TensorInfo[]): { start: number; end: number } | undefined {
  if (tensors.length === 0) return undefined;
  const start = Math.min(...tensors.map((t) => t.offset));
  const end = Math.max(...tensors.map((t) => t.offset + t.byteLength));
  return end - start <= WHOLE_SPAN_BYTES ? { start, end } : undefined;
}

/** Keeps one file open at a time: a model's layers are read file by file. */
class FileReader {
  private file = "";
  private fd = -1;

  /** Reads `target.length` bytes at `offset` of `file` (one pread, repeated on short reads). */
  read(file: string, offset: number, target: Uint8Array): void {
    if (file !== this.file) {
      this.close();
      try {
        this.fd = openSync(file, "r");
      } catch (error) {
        throw cannotReadFile(file, (error as NodeJS.ErrnoException).code ?? String(error));
      }
      this.file = file;
    }
    let filled = 0;
    while (filled < target.length) {
      const bytesRead = readSync(this.fd, target, filled, target.length - filled, offset + filled);
      if (bytesRead === 0) throw tensorPastEndOfFile(file, offset + filled);
      filled += bytesRead;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.file = "";
  }
}

/**
 * One layer through the kernels, CHUNK_VALUES at a time (as the layer pass sweeps it): each
 * chunk's raw bytes — already in kernel memory (`at`, the file's span) or read now — are
 * digested, widened to f32 when 16-bit, folded into the power sums, and the seeded positions
 * falling in the chunk copied out. The digest depends on the bytes (and a 16-bit type) only, not on how they were read.
 * A tensor read through its stream (`stream`: GGUF, adapter layers) arrives as f32 values, which
 * are what is digested.
 */
function readLayerWithKernels(
  kernels: WeightKernels,
  memory: { readonly buffer: number; readonly staging: number },
  fetch: { readonly at: number } | { readonly reader: FileReader } | { readonly stream: TensorStream },
  tensor: TensorInfo,
  positions: Int32Array | undefined,
  out: Float32Array | undefined,
  digesting = true,
): { stats: LayerStats; digest: bigint } {
  const wide = tensor.dtype !== "F32" && !("stream" in fetch);
  const elementBytes = wide ? 2 : 4;
  const count = "stream" in fetch ? tensor.shape.reduce((product, size) => product * size, 1) : tensor.byteLength / elementBytes;
  const accumulator = kernels.powerSumAccumulator();
  // 16-bit bytes mean different values as F16 and BF16: the type is part of what is digested (a header-only relabel keeps the bytes).
  let digest = wide ? Bun.hash.wyhash(tensor.dtype) : 0n;
  let shift = 0;
  let scale = 0;
  let next = 0;
  for (let first = 0; first < count; first += CHUNK_VALUES) {
    const values = Math.min(CHUNK_VALUES, count - first);
    let raw: number;
    if ("at" in fetch) raw = fetch.at + first * elementBytes;
    else if ("stream" in fetch) {
      raw = memory.buffer;
      kernels.f32(raw, values).set(fetch.stream.read(first, values, streamScratch, { checkFinite: false }));
    } else {
      raw = wide ? memory.staging : memory.buffer;
      fetch.reader.read(tensor.file, tensor.offset + first * elementBytes, kernels.bytes(raw, values * elementBytes));
    }
    if (digesting) digest = Bun.hash.wyhash(kernels.bytes(raw, values * elementBytes), digest);
    let f32 = raw;
    if (wide) {
      kernels.widen(raw, memory.buffer, values, tensor.dtype as "F16" | "BF16");
      f32 = memory.buffer;
    } else if (raw % 4 !== 0) {
      kernels.bytes(memory.buffer, values * 4).set(kernels.bytes(raw, values * 4));
      f32 = memory.buffer;
    }
    const view = kernels.f32(f32, values);
    // The native layer start gives powerSumShift's bits (tree-kernels.c); in JavaScript it was ~12 % of fingerprinting a small model on a cold thread.
    if (first === 0) shift = Math.fround(kernels.layerStart(view, 0, SHIFT_ONLY)?.[0] ?? powerSumShift(view));
    while (positions && next < positions.length && positions[next]! < first + values) out![next] = view[positions[next++]! - first]!;
    scale = kernels.addPowerSums(f32, values, shift, accumulator, scale);
  }
  return { stats: namingTheTensor(tensor, () => statsFromPowerSums(count, kernels.readPowerSums(accumulator, shift))), digest };
}

/** No bytes (a file not held). */
const EMPTY = new Uint8Array(0);

/** A layer start that finds the shift only: no zeros counted, no grid. */
const SHIFT_ONLY = { shift: SHIFT_SAMPLE, zeros: 0, gridRows: 0 };

/** Where a streamed tensor's chunk is decoded before it is copied into kernel memory (one per thread). */
const streamScratch = new TensorScratch();

/** An F64 layer (the kernels take f32): read whole, summed in TypeScript. */
async function readF64Layer(
  tensor: TensorInfo,
  positions: Int32Array | undefined,
  out: Float32Array | undefined,
): Promise<{ stats: LayerStats; digest: bigint }> {
  const values = await readTensor(tensor, undefined, { checkFinite: false });
  positions?.forEach((position, i) => (out![i] = values[position]!));
  const stats = namingTheTensor(tensor, () => layerStats(values, 0));
  return { stats, digest: Bun.hash.wyhash(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 0n) };
}
