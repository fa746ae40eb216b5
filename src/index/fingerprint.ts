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
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { LayerKind, LayerStats, ModelFormat, ModelSource, TensorInfo } from "../types.ts";
import { bug } from "../errors.ts";
import { fileIdentity, type FileIdentity } from "../io/file-identity.ts";
import { threadKernels, type WeightKernels } from "../kernels/weight-kernels.ts";
import { heldLook } from "../io/held-files.ts";
import { planLayers } from "../recover/plan-layers.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../recover/options.ts";
import { makeUniform } from "../recover/seeded-random.ts";
import { FileReader, readFileLayers } from "./fingerprint-file.ts";
import { HeldModelSweep } from "./held-layer-sweep.ts";
import { KNOWN_FIELDS, type KnownLayers, packKnownLayer } from "../recover/known-layers.ts";
import { cannotReadFile, nothingToCompare } from "../messages.ts";

/**
 * Bumped whenever what a fingerprint holds or how it is computed changes: older entries are read
 * again. 2: layers in name order (a GGUF file lists them block by block), GGUF files and adapters.
 * 3: a 16-bit layer's digest covers its type (F16 or BF16) as well as its bytes. 4: fused
 * projections (InternLM2 `wqkv`, Baichuan `W_pack`, DeepSeek's latent `kv_a/kv_b`, `q_a/q_b`) are
 * attention layers, so selected (classify-layer.ts; test/index/fingerprint-version.test.ts pins this).
 */
export const FINGERPRINT_VERSION = 4;

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
  /**
   * When asked for (fingerprintModel's `known`) and the model was swept held: its other layers' results as its tree's
   * layer pass would give them (src/recover/known-layers.ts), so that the tree need not read them. Never stored in an index.
   */
  readonly known?: KnownLayers;
}

/**
 * The selected layers of one model, as recovery's plan would read them (default layer kinds, no
 * sketches), in name order: samples are compared layer by layer across models, so every model of
 * an architecture must list them alike whatever its files' order (a GGUF file's is block by
 * block, a safetensors file's usually by name).
 */
export function fingerprintLayers(model: ModelSource): { layer: FingerprintLayer; tensor: TensorInfo }[] {
  return plannedLayers(planOf(model), model);
}

/** The plan's layers with `model`'s tensors (the plan is that of its layout). */
function plannedLayers(plan: FingerprintPlan, model: ModelSource): { layer: FingerprintLayer; tensor: TensorInfo }[] {
  return plan.entries.map(({ layer }, l) => ({ layer, tensor: model.tensors[plan.tensorAt[l]!]! }));
}

/** A model's fingerprint plan: its layers in name order, the tensor each reads, and the architecture key they make. */
interface FingerprintPlan {
  readonly entries: readonly { readonly layer: FingerprintLayer; readonly tensor: string }[];
  readonly layers: readonly FingerprintLayer[];
  readonly architecture: string;
  /** Each entry's tensor's index in the tensor list of a model of this layout (the layout fixes the list's order). */
  readonly tensorAt: readonly number[];
  /**
   * A held model's sweep per `known` (0: without its other layers' starts, 1: with them), made at its first use and
   * remade when a model's offsets differ; null when the layout's layers are never swept so (their types or sizes).
   */
  readonly sweeps: (HeldModelSweep | undefined | null)[];
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
    // The last tensor of a name, as a lookup by name would find it (a model names each tensor once).
    const byName = new Map(model.tensors.map((tensor, at) => [tensor.name, at]));
    const tensorAt = entries.map(({ tensor }) => byName.get(tensor) ?? bug(`planned tensor ${tensor} is in its model`));
    plan = { entries, layers, architecture: architectureOf(layers), tensorAt, sweeps: [] };
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
 * Fingerprints one model: one streaming read of its selected layers, one file open at a time.
 * With `digest: false` the checksum is left empty ("") and its hashing skipped (~10 % of the
 * work): for fingerprints that only find trees and are then dropped (`mother recover` on a large
 * set keeps no index, so nothing compares checksums); every fingerprint written to an index has one.
 * With `known: true` the fingerprint of a model in one held file also keeps its layers other than the distance layers
 * as its tree's layer pass gives them (Fingerprint.known: their starts are scanned too, a few µs a layer).
 */
export async function fingerprintModel(
  model: ModelSource,
  { digest = true, known = false }: { readonly digest?: boolean; readonly known?: boolean } = {},
): Promise<Fingerprint> {
  // An adapter not yet on a base is its factors: their digest, and nothing to compare.
  if (model.adapter && model.base === undefined) return fingerprintAdapterFactors(model);
  const plan = planOf(model);
  const planned = plannedLayers(plan, model);
  if (!planned.some((p) => p.layer.distance)) {
    throw nothingToCompare(model.path, model.tensors.length);
  }
  const kernels = await threadKernels();
  const read = sweptHeld(kernels, plan, model, planned, digest, known) ?? (await readModelLayers(kernels, planned, digest, known));
  const { files, stats, starts } = read;
  return {
    id: model.id,
    path: resolve(model.path),
    files: await Promise.all(files.map((file) => heldIdentity(file) ?? fileIdentity(file, statNow))),
    checksum: digest ? Bun.hash.wyhash(new Uint8Array(read.digests.buffer), 0n).toString(16).padStart(16, "0") : "",
    version: FINGERPRINT_VERSION,
    format: model.format ?? "safetensors",
    architecture: plan.architecture,
    layers: plan.layers,
    stats,
    samples: read.samples,
    known: known && files.length === 1 ? knownLayersOf(files[0]!, planned, stats, starts) : undefined,
  };
}

/** A model's selected layers as read for its fingerprint (plan order): its files (sorted), and per layer its statistics, digest and start. */
interface ModelLayersRead {
  readonly files: readonly string[];
  readonly stats: LayerStats[];
  readonly digests: BigUint64Array;
  readonly starts: readonly ({ zeroFraction: number; gridLevels: number } | undefined)[];
  readonly samples: Float32Array;
}

/** The planned layers read file by file, one file open at a time (fingerprint-file.ts). */
async function readModelLayers(
  kernels: WeightKernels,
  planned: readonly { layer: FingerprintLayer; tensor: TensorInfo }[],
  digest: boolean,
  known: boolean,
): Promise<ModelLayersRead> {
  const sampleAt: number[] = [];
  let distanceLayers = 0;
  for (const p of planned) sampleAt.push(p.layer.distance ? distanceLayers++ : -1);
  const samples = new Float32Array(distanceLayers * SAMPLES_PER_LAYER);
  const stats: LayerStats[] = new Array(planned.length);
  const digests = new BigUint64Array(planned.length);
  const files = [...new Set(planned.map((p) => p.tensor.file))].sort();
  const starts: ({ zeroFraction: number; gridLevels: number } | undefined)[] = new Array(planned.length);
  const reader = new FileReader();
  try {
    for (const file of files) {
      const layers = planned.flatMap((p, l) => (p.tensor.file === file ? [l] : []));
      const reads = await readFileLayers(
        kernels,
        reader,
        file,
        layers.map((l) => {
          const { layer, tensor } = planned[l]!;
          const out = layer.distance ? samples.subarray(sampleAt[l]! * SAMPLES_PER_LAYER, (sampleAt[l]! + 1) * SAMPLES_PER_LAYER) : undefined;
          return { tensor, positions: out ? samplePositions(layer) : undefined, out, cols: startColumns(layer, known) };
        }),
        digest,
      );
      reads.forEach((read, at) => {
        digests[layers[at]!] = read.digest;
        stats[layers[at]!] = read.stats;
        starts[layers[at]!] = read.start;
      });
    }
  } finally {
    reader.close();
  }
  return { files, stats, digests, starts, samples };
}

/** A layer's values a row when its start is scanned too (HeldLayer.cols): the known layers' (every one but the distance layers), when asked. */
function startColumns(layer: FingerprintLayer, known: boolean): number | undefined {
  return known && !layer.distance ? (layer.shape.length === 2 ? layer.shape[1]! : 0) : undefined;
}

/**
 * A model's layers swept where its held file lies (held-layer-sweep.ts, HeldModelSweep: the sweep its layout's
 * first model worked out), or undefined when they are not (the file not held, a layer sweepHeldLayers does not take).
 */
function sweptHeld(
  kernels: WeightKernels,
  plan: FingerprintPlan,
  model: ModelSource,
  planned: readonly { tensor: TensorInfo }[],
  digest: boolean,
  known: boolean,
): ModelLayersRead | undefined {
  const which = known ? 1 : 0;
  let sweep = plan.sweeps[which];
  if (sweep === null) return undefined;
  if (!sweep?.fits(model.tensors)) {
    const layers = plan.entries.map(({ layer }, l) => ({
      tensorAt: plan.tensorAt[l]!,
      positions: layer.distance ? samplePositions(layer) : undefined,
      cols: startColumns(layer, known),
    }));
    sweep = plan.sweeps[which] = HeldModelSweep.of(layers, model.tensors);
  }
  const swept = sweep?.sweep(kernels, model.tensors, digest);
  if (!swept) return undefined;
  const { reads, samples } = swept;
  return {
    files: [planned[0]!.tensor.file],
    stats: reads.map((read) => read.stats),
    // Not digested: every digest is 0n, and the checksum is left empty (fingerprintModel).
    digests: digest ? BigUint64Array.from(reads, (read) => read.digest) : new BigUint64Array(reads.length),
    starts: reads.map((read) => read.start),
    samples,
  };
}

/** A one-file model's layers other than the distance layers, when every one of them was read with its start (Fingerprint.known). */
function knownLayersOf(
  file: string,
  planned: readonly { layer: FingerprintLayer; tensor: TensorInfo }[],
  stats: readonly LayerStats[],
  starts: readonly ({ zeroFraction: number; gridLevels: number } | undefined)[],
): KnownLayers | undefined {
  const layers = planned.flatMap((p, l) => (p.layer.distance ? [] : [l]));
  if (layers.length === 0 || layers.some((l) => starts[l] === undefined)) return undefined;
  const values = new Float64Array(layers.length * KNOWN_FIELDS);
  layers.forEach((l, at) => packKnownLayer(values, at * KNOWN_FIELDS, planned[l]!.tensor, stats[l]!, starts[l]!.zeroFraction, starts[l]!.gridLevels));
  return { file, values };
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

/** The identity of a held file from its read's own fstat (held-files.ts: as the bytes fingerprinted were read), without a stat; undefined when it is not held. */
function heldIdentity(file: string): FileIdentity | undefined {
  const look = heldLook(file);
  return look && [resolve(file), look.size, look.mtimeMs];
}
