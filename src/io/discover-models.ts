/**
 * From the paths a user typed to the models they mean (SPEC §5). A path is one of:
 *   1. a `.safetensors` file                    → one model, id = file stem;
 *   2. a model folder (holds `*.safetensors`)   → one model, id = folder name;
 *   3. a folder of model folders (one level)    → one model per model subfolder.
 * A PEFT adapter folder (`adapter_config.json` + `adapter_model.safetensors`) counts as a model
 * folder; its model is its factors until its base is attached (src/io/peft/attach-adapters.ts).
 * Pickle files (`.bin`, `.pt`, `.pth`, `.ckpt`) are never loaded: given by name, or the only
 * weights of a folder, they are refused with how to convert them.
 * A model folder with a `*.safetensors.index.json` is read through the index; without one, all
 * its `.safetensors` files together form the model. GGUF files are models too: a `.gguf` file
 * (id = file stem), a folder holding one (id = folder name), or a folder holding several (one
 * model per file, id = file stem: a hub repository of quantizations). Only headers are read here.
 */
import type { Dirent } from "node:fs";
import { readdirSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { ModelSource, TensorInfo } from "../types.ts";
import { readSafetensorsHeader } from "./read-safetensors.ts";
import { openShardedCheckpoint, SHARD_INDEX_SUFFIX, type ShardNotes } from "./read-sharded-checkpoint.ts";
import { emptyTensors } from "./safetensors-header.ts";
import { GGUF_SUFFIX, openGgufFile } from "./gguf/read-gguf.ts";
import { isAdapterFolder, openAdapterFolder } from "./peft/open-adapter-folder.ts";
import {
  cannotReadFolder,
  cannotReadPath,
  duplicateModelId,
  emptyTensorsSkipped,
  folderNamedLikeWeights,
  modelGivenTwice,
  noFloatTensors,
  noModelsInFolder,
  notAModelFile,
  notFileOrFolder,
  otherCheckpointFormat,
  pickleRefused,
  severalShardIndexes,
  tensorInTwoFiles,
} from "../messages.ts";

const SAFETENSORS_SUFFIX = ".safetensors";

/** A model located on disk, before its headers are read. */
export interface ModelLocation {
  readonly id: string;
  readonly path: string;
  /** "gguf": `path` is the .gguf file itself (the id may still be its folder's name). */
  readonly kind: "file" | "folder" | "gguf" | "adapter";
  /** A folder's listing as locateModels saw it: opening it then lists it no second time (10,000 readdirs, ~0.08 s, for 10,000 models). */
  readonly entries?: readonly FolderEntry[];
}

/**
 * Find and open every model under `paths`, sorted by id (then path). Throws MotherError for a
 * missing or unreadable path, a file that is not `.safetensors`, a folder with neither
 * safetensors nor model subfolders, two models with the same id (naming both paths), and a
 * model without any floating-point tensor. What is legal but left out is said through `note`
 * (one line each): empty tensors (a dimension of 0), shard tensors an index omits.
 */
export async function discoverModels(paths: readonly string[], note: (message: string) => void = () => {}): Promise<ModelSource[]> {
  return openLocatedModels((await Promise.all(paths.map(locateModels))).flat(), note);
}

/**
 * discoverModels on models already located (locateModels): a large set's folders are listed once,
 * not twice. `opened` gets the models a batch at a time, in order, as their headers are read
 * (`mother recover` on a large set fingerprints them meanwhile).
 */
export async function openLocatedModels(
  located: readonly ModelLocation[],
  note: (message: string) => void = () => {},
  opened: (models: readonly ModelSource[]) => void = () => {},
): Promise<ModelSource[]> {
  const empty: EmptyTensor[] = [];
  const models = await mapInBatches(sortedLocations(located), HEADERS_IN_FLIGHT, (location) => openLocation(location, note, empty), opened);
  noteEmptyTensors(empty, note);
  return models;
}

/** The located models in the order discoverModels gives them (by id, then path); two models with one id are an error naming both. */
export function sortedLocations(located: readonly ModelLocation[]): ModelLocation[] {
  const locations = [...located].sort((a, b) => compare(a.id, b.id) || compare(a.path, b.path));
  for (let i = 1; i < locations.length; i++) {
    const [previous, current] = [locations[i - 1]!, locations[i]!];
    if (previous.id === current.id) {
      throw resolve(previous.path) === resolve(current.path) ? modelGivenTwice(current.path) : duplicateModelId(current.path, current.id, previous.path);
    }
  }
  return locations;
}

/** A tensor with a dimension of 0 in a model's header: left out, and said once for the whole set (noteEmptyTensors). */
export interface EmptyTensor {
  readonly model: string;
  readonly file: string;
  readonly name: string;
  readonly shape: readonly number[];
}

/** Opens one located model (its headers only); its empty tensors are added to `empty`, other notes go to `note`. */
export async function openLocation(location: ModelLocation, note: (message: string) => void, empty: EmptyTensor[]): Promise<ModelSource> {
  if (location.kind === "gguf")
    return { id: location.id, path: location.path, format: "gguf" as const, tensors: (await openGgufFile(location.path, { arrays: false })).tensors };
  if (location.kind === "adapter") return openAdapterFolder(location.id, location.path);
  const notes: ShardNotes = { note, empty: (file, tensors) => empty.push(...tensors.map((t) => ({ model: location.path, file, ...t }))) };
  const tensors = location.kind === "file" ? await openFile(location.path, notes) : await openModelFolder(location.path, notes, location.entries);
  if (tensors.length === 0) throw noFloatTensors(location.path);
  return { id: location.id, path: location.path, tensors };
}

/**
 * The safetensors files of a located model, as far as its listing tells: the file itself, or a
 * listed folder's `.safetensors` files; none for other kinds or an unlisted folder.
 */
export function locatedFiles(location: ModelLocation): string[] {
  if (location.kind === "file") return [location.path];
  if (location.kind !== "folder" || !location.entries) return [];
  return location.entries.filter((entry) => !entry.isDirectory && entry.name.endsWith(SAFETENSORS_SUFFIX)).map((entry) => join(location.path, entry.name));
}

/** Says in one line which empty tensors were left out, if any: a family shares its empty tensors, and ten identical notes say no more than one. */
export function noteEmptyTensors(empty: readonly EmptyTensor[], note: (message: string) => void): void {
  if (empty.length === 0) return;
  const sorted = [...empty].sort((a, b) => compare(a.file, b.file));
  note(emptyTensorsSkipped(new Set(sorted.map((e) => e.model)).size, sorted.length, sorted[0]!));
}

/** The float tensors of one file; its empty tensors go to `notes.empty`. */
async function openFile(file: string, notes: ShardNotes): Promise<TensorInfo[]> {
  const header = await readSafetensorsHeader(file);
  const empty = emptyTensors(header.skipped);
  if (empty.length > 0) notes.empty?.(file, empty);
  return header.tensors;
}

/** Models whose headers are read at once: enough to overlap I/O, far below file-handle limits. */
const HEADERS_IN_FLIGHT = 16;

async function mapInBatches<T, R>(items: readonly T[], batchSize: number, run: (item: T) => Promise<R>, each: (batch: R[]) => void = () => {}): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    const batch = await Promise.all(items.slice(start, start + batchSize).map(run));
    each(batch);
    results.push(...batch);
  }
  return results;
}

/**
 * Where an indexed model lives and how to open it, from its id, path and format: the location it
 * was indexed from (here, not beside the index: `mother recover` on a large set uses it without
 * loading the index's storage, apache-arrow, ~35 ms).
 */
export function locationOf(model: { readonly id: string; readonly path: string; readonly format?: string | undefined }): ModelLocation {
  const { id, path, format } = model;
  const kind = format === "peft" ? "adapter" : format === "gguf" ? "gguf" : path.endsWith(".safetensors") ? "file" : "folder";
  return { id, path: resolve(path), kind };
}

/** The models under one path, found from folder listings alone (no header is read): `mother index` skips unchanged ones this way. */
export async function locateModels(path: string): Promise<ModelLocation[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw cannotReadPath(path, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  if (info.isFile()) {
    if (PICKLE_CHECKPOINT.test(path)) throw pickleRefused(path);
    if (path.endsWith(GGUF_SUFFIX)) return [{ id: basename(path).slice(0, -GGUF_SUFFIX.length), path, kind: "gguf" }];
    if (!path.endsWith(SAFETENSORS_SUFFIX)) throw notAModelFile(path);
    return [{ id: basename(path).slice(0, -SAFETENSORS_SUFFIX.length), path, kind: "file" }];
  }
  if (!info.isDirectory()) throw notFileOrFolder(path);
  const entries = await listFolder(path);
  if (isAdapterFolder(entries)) return [{ id: basename(path), path, kind: "adapter" }];
  if (isModelFolder(entries)) return [{ id: basename(path), path, kind: "folder", entries }];
  const ggufs = ggufModels(path, entries);
  if (ggufs.length > 0) return ggufs;
  const models: ModelLocation[] = [];
  let otherCheckpoints = entries.filter((entry) => OTHER_CHECKPOINT.test(entry.name)).length;
  let pickle = firstPickle(path, entries);
  // Subfolders are listed (with blocking calls, listFolder), then looked at in order.
  const subfolders = entries.filter((entry) => entry.isDirectory).map((entry) => join(path, entry.name));
  const listings = await mapInBatches(subfolders, HEADERS_IN_FLIGHT, listFolder);
  for (const [at, subfolder] of subfolders.entries()) {
    const entry = { name: basename(subfolder) };
    const inside = listings[at]!;
    if (isAdapterFolder(inside)) models.push({ id: entry.name, path: subfolder, kind: "adapter" });
    else if (isModelFolder(inside)) models.push({ id: entry.name, path: subfolder, kind: "folder", entries: inside });
    else if (ggufModels(subfolder, inside).length > 0) models.push(...ggufModels(subfolder, inside));
    else {
      // A model's weights file replaced by a folder of its name (a failed copy, a mount point) would drop the model unseen.
      const named = looksLikeWeights(entry.name) ? subfolder : inside.find((e) => e.isDirectory && looksLikeWeights(e.name))?.name;
      if (named !== undefined) throw folderNamedLikeWeights(named === subfolder ? subfolder : join(subfolder, named));
      otherCheckpoints += inside.filter((e) => OTHER_CHECKPOINT.test(e.name)).length;
      pickle ??= firstPickle(subfolder, inside);
    }
  }
  if (models.length === 0) {
    if (pickle) throw pickleRefused(pickle);
    if (otherCheckpoints > 0) {
      throw otherCheckpointFormat(path, otherCheckpoints);
    }
    throw noModelsInFolder(path);
  }
  return models;
}

/** Whether `name` is a weights file's name mother reads (a .safetensors or .gguf file, a shard index). */
function looksLikeWeights(name: string): boolean {
  return name.endsWith(SAFETENSORS_SUFFIX) || name.endsWith(GGUF_SUFFIX) || name.endsWith(SHARD_INDEX_SUFFIX);
}

/** Weight files mother does not read, named in the error when a folder holds only those. */
const OTHER_CHECKPOINT = /\.(bin|pt|pth|ckpt)$/;

/** The GGUF models of a folder: one named after the folder if it holds one .gguf, else one per file. */
function ggufModels(folder: string, entries: readonly FolderEntry[]): ModelLocation[] {
  const files = entries.filter((entry) => !entry.isDirectory && entry.name.endsWith(GGUF_SUFFIX)).map((entry) => entry.name);
  if (files.length === 1) return [{ id: basename(folder), path: join(folder, files[0]!), kind: "gguf" }];
  return files.map((name) => ({ id: name.slice(0, -GGUF_SUFFIX.length), path: join(folder, name), kind: "gguf" }));
}

/** Pickle checkpoints: loading one runs whatever code it carries, so they are refused by name. */
const PICKLE_CHECKPOINT = /\.(bin|pt|pth|ckpt)$/;

/** The path of the first pickle checkpoint among `entries` of `folder`, if any. */
function firstPickle(folder: string, entries: readonly FolderEntry[]): string | undefined {
  const found = entries.find((entry) => !entry.isDirectory && PICKLE_CHECKPOINT.test(entry.name));
  return found && join(folder, found.name);
}

/** One entry of a folder listing. */
export interface FolderEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

/**
 * Visible entries, sorted by name; symlinks are followed (the Hugging Face cache uses them). Blocking
 * calls, as for the headers (read-safetensors.ts): Bun's promise-based readdir goes through its thread
 * pool, slow to answer while worker threads start or fingerprint; set-10000's 10,000 folders took
 * 139–558 ms that way, 16 at a time, and take 93–138 ms so (set-1000: 17–24 → 10–17 ms).
 */
async function listFolder(folder: string): Promise<FolderEntry[]> {
  let names: string[];
  let dirents: Dirent[];
  try {
    dirents = readdirSync(folder, { withFileTypes: true });
    names = dirents
      .map((dirent) => dirent.name)
      .filter((name) => !name.startsWith("."))
      .sort(compare);
  } catch (error) {
    throw cannotReadFolder(folder, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  // The listing's own types say file or folder; symlinks (and file systems that do not say) need a stat.
  const kinds = new Map(dirents.map((dirent) => [dirent.name, dirent]));
  return names.map((name) => {
    const dirent = kinds.get(name);
    if (dirent?.isFile() || dirent?.isDirectory()) return { name, isDirectory: dirent.isDirectory() };
    let isDirectory = false;
    try {
      isDirectory = statSync(join(folder, name)).isDirectory();
    } catch {}
    return { name, isDirectory };
  });
}

function isModelFolder(entries: readonly FolderEntry[]): boolean {
  return entries.some((entry) => !entry.isDirectory && (entry.name.endsWith(SAFETENSORS_SUFFIX) || entry.name.endsWith(SHARD_INDEX_SUFFIX)));
}

/** Tensors of a model folder: via its shard index if it has one, else all its `.safetensors`. */
async function openModelFolder(folder: string, notes: ShardNotes, listed?: readonly FolderEntry[]): Promise<TensorInfo[]> {
  const entries = (listed ?? (await listFolder(folder))).filter((entry) => !entry.isDirectory);
  const indexes = entries.filter((entry) => entry.name.endsWith(SHARD_INDEX_SUFFIX)).map((entry) => entry.name);
  if (indexes.length > 0) {
    const index = indexes.includes(`model${SHARD_INDEX_SUFFIX}`) ? `model${SHARD_INDEX_SUFFIX}` : indexes[0]!;
    if (indexes.length > 1 && index !== `model${SHARD_INDEX_SUFFIX}`) {
      throw severalShardIndexes(folder, indexes);
    }
    return openShardedCheckpoint(join(folder, index), notes);
  }
  const files = entries.filter((entry) => entry.name.endsWith(SAFETENSORS_SUFFIX)).map((entry) => join(folder, entry.name));
  const perFile = await Promise.all(files.map((file) => openFile(file, notes)));
  const fileOf = new Map<string, string>();
  for (const tensor of perFile.flat()) {
    const earlier = fileOf.get(tensor.name);
    if (earlier !== undefined) {
      throw tensorInTwoFiles(tensor.file, tensor.name, earlier);
    }
    fileOf.set(tensor.name, tensor.file);
  }
  return perFile.flat();
}

/** Code-unit order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
