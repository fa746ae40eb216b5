/**
 * One tree's exact recovery as the tree pool runs it (tree-pool.ts), in a worker thread or
 * in-process: its files held in memory when they are small, then recoverModels on its models.
 */
import { discoverModels, type ModelLocation, openLocation } from "../io/discover-models.ts";
import { type FileToHold, holdFiles } from "../io/held-files.ts";
import { type KnownLayers, knownRanges, KnownResults } from "../recover/known-layers.ts";
import { threadKernels } from "../kernels/weight-kernels.ts";
import type { ModelSource } from "../types.ts";
import type { RecoverOptions } from "../recover/options.ts";
import type { CachedTree } from "./tree-cache.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { bug } from "../errors.ts";

/**
 * A tree whose files total at most this many bytes is read into memory whole, one pread per
 * file, before its recovery (src/io/held-files.ts): its headers, layers and merge samples are
 * then copies, not an open and a read per tensor. Larger trees stream as before.
 */
export const HOLD_TREE_BYTES = 256 * 1024 * 1024;

/** One tree to recover: its models' paths, and their files with sizes (from the fingerprints). */
export interface TreeJob {
  readonly paths: string[];
  /** With, when `known` is given, the byte ranges of its known layers: left unread when the files are held. */
  readonly files: readonly FileToHold[];
  /** Every member's layers whose results its fingerprint kept (Fingerprint.known), when all have them: taken, not read again. */
  readonly known?: readonly KnownLayers[];
  /** The models as discovered already, when the caller has them (then `paths` are not discovered again). */
  readonly models?: readonly ModelSource[];
  /** Else the models as located, when the caller has only those: opened by the tree's thread, from its held files. */
  readonly locations?: readonly ModelLocation[];
}

/** A model as the caller has it: discovered (its tensors), or only located (its folder's listing). */
export type KnownModel = ModelSource | ModelLocation;

/** Whether a known model is opened (its headers read: it has tensors) rather than only located; the one test every caller uses. */
export function isOpened(model: KnownModel): model is ModelSource {
  return "tensors" in model;
}

/** Whether every model of `models` is only located (none opened). */
export function allLocated(models: readonly KnownModel[]): models is readonly ModelLocation[] {
  return !models.some(isOpened);
}

/**
 * The job of the tree of `members` (in path order); with `known` (by resolved path), the models
 * as discovered already, or as located (all of one kind).
 */
export function treeJobOf(members: readonly Fingerprint[], known?: ReadonlyMap<string, KnownModel>): TreeJob {
  const paths = members.map((m) => m.path);
  const layers = members.every((m) => m.known !== undefined) ? members.map((m) => m.known!) : undefined;
  const gaps = new Map(layers?.map((model) => [model.file, knownRanges(model)]));
  const files = members.flatMap((m) => m.files.map(([file, size]): FileToHold => [file, size, gaps.get(file) ?? []]));
  return { paths, files, ...(layers ? { known: layers } : {}), ...(known ? modelsOf(members, known) : {}) };
}

/** `members`' models from `known`, as the tree job carries them: discovered models, or locations. */
export function modelsOf(members: readonly Fingerprint[], known: ReadonlyMap<string, KnownModel>): Pick<TreeJob, "models" | "locations"> {
  const found = members.map((m) => known.get(m.path) ?? bug(`${m.path} was discovered`));
  if (found.every(isOpened)) return { models: found };
  if (allLocated(found)) return { locations: found };
  return bug("a tree's models are all discovered or all located");
}

/** Recovers one tree's models. */
export async function recoverTreeJob(job: TreeJob, options: RecoverOptions): Promise<CachedTree> {
  const bytes = job.files.reduce((sum, [, size]) => sum + size, 0);
  // Held in the kernels' memory: the layer pass then sweeps f32 layers where they lie.
  const release = bytes <= HOLD_TREE_BYTES ? holdFiles(job.files, (await threadKernels()).holdMemory()) : () => {};
  try {
    // Loaded at the first tree: the main thread makes tree jobs (treeJobOf) without the recovery's modules (~15–25 ms to load).
    const { recoverModels } = await import("../recover/recover.ts");
    const models = job.models ?? (job.locations ? await openLocations(job.locations) : await discoverModels(job.paths));
    const { graph, distances } = await recoverModels(models, options, undefined, undefined, job.known && new KnownResults(job.known));
    return { graph, distances };
  } finally {
    release();
  }
}

/** The located models of a tree, opened in order (their headers from the held files); the notes were said when they were fingerprinted. */
async function openLocations(locations: readonly ModelLocation[]): Promise<ModelSource[]> {
  const models: ModelSource[] = [];
  for (const location of locations) models.push(await openLocation(location, () => {}, []));
  return models;
}
