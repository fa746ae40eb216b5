/**
 * `mother index`: bring an index folder up to date with the models under some paths.
 *
 *   paths ─1─► models (headers only) ─2─► compare with the index: kept | new or changed | gone
 *         ─3─► fingerprint the new and changed ones, one model per thread at a time (two threads) ─4─► one new segment (+ compaction)
 *
 * A model is kept when its entry has this version and every file's identity (path, size,
 * mtime) is unchanged: a re-run reads no weights. Entries whose model is gone from the given
 * paths, or whose files no longer exist, leave the index. Unreadable segments are dropped
 * (said in one line each) and their models read again.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { ModelSource } from "../types.ts";
import { locateModels, openLocatedModels, type ModelLocation } from "../io/discover-models.ts";
import { duplicateIndexedId, modelGivenTwice } from "../messages.ts";
import { FINGERPRINT_VERSION, type Fingerprint } from "./fingerprint.ts";
import { fingerprintAll, fingerprintWorkersFor } from "./fingerprint-pool.ts";
import { compact, loadIndex, writeSegment, type IndexRow, type LoadedIndex } from "./index-store.ts";
import { rm } from "node:fs/promises";

/** Side effects of indexing; tests pass a recorder. */
export interface IndexEffects {
  /** Models fingerprinted so far out of those to fingerprint. */
  readonly progress: (done: number, total: number) => void;
  readonly log: (message: string) => void;
}

const SILENT: IndexEffects = { progress: () => {}, log: () => {} };

/** What an update did. */
export interface IndexSummary {
  readonly kept: number;
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  /** Models in the index afterwards. */
  readonly models: number;
}

/** From this many segments, an update folds them into one. */
export const COMPACT_AFTER = 32;

/** What an update has to do (step 2). */
export interface IndexPlan {
  readonly loaded: LoadedIndex;
  /** Models to fingerprint, new or changed. */
  readonly todo: readonly ModelSource[];
  readonly kept: number;
  /** How many of `todo` already had an (outdated) entry. */
  readonly updated: number;
  /** Paths whose entries leave the index. */
  readonly removed: readonly string[];
  /** With `verify`: paths in `todo` whose entries look current, read to compare their digests. */
  readonly verifying: ReadonlySet<string>;
}

/**
 * Steps 1–2: locates the models under `paths` (folder listings only) and compares them with the
 * index at `dir`; only models without a current entry have their headers read. With `verify`,
 * models whose entries look current (same file identities) are read too, to compare digests: a
 * file rewritten in place with the same size and mtime is seen only so.
 */
export async function planIndexUpdate(paths: readonly string[], dir: string, effects: IndexEffects = SILENT, verify = false): Promise<IndexPlan> {
  const locations = (await Promise.all(paths.map(locateModels))).flat();
  locations.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < locations.length; i++) {
    const [previous, current] = [locations[i - 1]!, locations[i]!];
    if (current.id !== previous.id) continue;
    throw resolve(current.path) === resolve(previous.path) ? modelGivenTwice(current.path) : duplicateIndexedId(current.id, previous.path, current.path);
  }
  const loaded = await loadIndex(dir);
  for (const { file, problem } of loaded.bad) effects.log(`${file}: unreadable index segment (${problem}): dropped, its models are read again`);
  const toRead: ModelLocation[] = [];
  let updated = 0;
  const present = new Set<string>();
  const verifying = new Set<string>();
  for (const location of locations) {
    const path = resolve(location.path);
    present.add(path);
    const entry = loaded.entries.get(path);
    if (entry && entry.id === location.id && unchanged(entry, location.kind === "folder" ? path : undefined)) {
      if (!verify) continue;
      verifying.add(path);
    } else if (entry) updated++;
    toRead.push(location);
  }
  const todo = toRead.length > 0 ? await openLocatedModels(toRead) : [];
  const roots = paths.map((path) => resolve(path));
  const removed: string[] = [];
  for (const [path, entry] of loaded.entries) {
    if (present.has(path)) continue;
    const underPaths = roots.some((root) => path === root || path.startsWith(root + sep));
    if (underPaths || !allExist(entry)) removed.push(path);
  }
  return { loaded, todo, kept: locations.length - todo.length, updated, removed, verifying };
}

/**
 * Brings the index at `dir` up to date with the models under `paths`. `verify`: read every model,
 * also those whose files look unchanged, and replace the entries whose digest differs (each said
 * in one line) — what a same-size, same-mtime rewrite needs; as costly as a cold index.
 */
export async function indexModels(
  paths: readonly string[],
  dir: string,
  effects: IndexEffects = SILENT,
  verify = false,
  saveEveryMs = SAVE_EVERY_MS,
): Promise<IndexSummary> {
  const plan = await planIndexUpdate(paths, dir, effects, verify);
  effects.progress(0, plan.todo.length);
  // Without --verify, what is fingerprinted is saved as it comes (a segment every saveEveryMs): a run stopped
  // (Ctrl-C, a crash) keeps it, and the next run reads only the rest. With --verify the entries are compared first.
  const saver = plan.verifying.size === 0 ? new PeriodicSaver(dir, saveEveryMs) : undefined;
  let fingerprints: Fingerprint[];
  try {
    fingerprints = await fingerprintAll(
      plan.todo,
      fingerprintWorkersFor(plan.todo),
      (done) => effects.progress(done, plan.todo.length),
      (batch) => saver?.add(batch),
    );
  } finally {
    await saver?.settled();
  }
  if (saver) return finishUpdate(dir, plan, fingerprints, saver.saved);
  // Verified entries whose bytes and layers (names, shapes: a header-only rename keeps the bytes) are those indexed stay as they are.
  const same = (f: Fingerprint, entry: Fingerprint | undefined) => entry?.checksum === f.checksum && entry.architecture === f.architecture;
  const changed = fingerprints.filter((f) => !plan.verifying.has(f.path) || !same(f, plan.loaded.entries.get(f.path)));
  const rewritten = changed.filter((f) => plan.verifying.has(f.path));
  for (const f of rewritten) effects.log(`${f.path}: its weights changed with its files' sizes and mtimes unchanged; fingerprinted again`);
  const verified = { ...plan, kept: plan.kept + plan.verifying.size - rewritten.length, updated: plan.updated + rewritten.length };
  return finishUpdate(dir, verified, changed);
}

/**
 * How often a running update saves what it fingerprinted (ms). Saves come as fingerprints are handed over: one model at a
 * time in-process, but a message at a time from each worker thread (fingerprint-pool.ts, from THREADS_FROM_BYTES to
 * read: MODELS_PER_MESSAGE models or BYTES_PER_MESSAGE of weights at most, or one model). So a run stopped loses this much
 * reading plus the messages in flight: up to 256 MB or one model per thread (32 multi-GB models before; review15).
 */
export const SAVE_EVERY_MS = 30_000;

/** Fingerprints saved as segments while an update runs, one every `everyMs` at most (writes in order, one at a time). */
class PeriodicSaver {
  /** The segments written, and the fingerprints they hold (by path). */
  readonly saved: { readonly segments: string[]; readonly paths: Set<string> } = { segments: [], paths: new Set() };
  private pending: Fingerprint[] = [];
  private last = performance.now();
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly dir: string,
    private readonly everyMs: number,
  ) {}

  /** Takes a finished batch; saves what is pending when everyMs has passed since the last save. */
  add(batch: readonly Fingerprint[]): void {
    this.pending.push(...batch);
    if (performance.now() - this.last < this.everyMs) return;
    this.last = performance.now();
    const rows = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (this.failure !== undefined) return;
      try {
        this.saved.segments.push(await writeSegment(this.dir, rows));
        for (const row of rows) this.saved.paths.add(row.path);
      } catch (error) {
        this.failure = error; // left to the final write, which reports it (or fails the same way)
      }
    });
  }

  /** Resolves once every save started has ended. */
  settled(): Promise<void> {
    return this.writing;
  }
}

/**
 * Step 4: writes the new fingerprints and removals as one segment (nothing when there are
 * none; fingerprints `saved` already while the update ran are not written again), drops
 * unreadable segments, and compacts when the segments pile up.
 */
export async function finishUpdate(
  dir: string,
  plan: IndexPlan,
  fingerprints: readonly Fingerprint[],
  saved: { readonly segments: readonly string[]; readonly paths: ReadonlySet<string> } = { segments: [], paths: new Set() },
): Promise<IndexSummary> {
  const rows: IndexRow[] = [...fingerprints.filter((f) => !saved.paths.has(f.path)), ...plan.removed.map((removed) => ({ removed }))];
  const segments = [...plan.loaded.segments, ...saved.segments];
  if (rows.length > 0) segments.push(await writeSegment(dir, rows));
  await Promise.all(plan.loaded.bad.map(({ file }) => rm(file, { force: true })));
  const entries = new Map(plan.loaded.entries);
  for (const path of plan.removed) entries.delete(path);
  for (const fingerprint of fingerprints) entries.set(fingerprint.path, fingerprint);
  if (segments.length > COMPACT_AFTER) await compact(dir, entries.values(), segments);
  return {
    kept: plan.kept,
    added: fingerprints.length - plan.updated,
    updated: plan.updated,
    removed: plan.removed.length,
    models: entries.size,
  };
}

/**
 * Whether an entry still describes its model without reading it: this version, the same
 * identity for every file it was read from, and (for a model folder) no safetensors file added
 * to or removed from the folder since.
 */
function unchanged(entry: Fingerprint, folder: string | undefined): boolean {
  if (entry.version !== FINGERPRINT_VERSION) return false;
  for (const [path, size, mtimeMs] of entry.files) {
    let now: { size: number; mtimeMs: number };
    try {
      now = statSync(path);
    } catch {
      return false;
    }
    if (now.size !== size || now.mtimeMs !== mtimeMs) return false;
  }
  if (!folder) return true;
  const shards = readdirSync(folder)
    .filter((name) => name.endsWith(".safetensors"))
    .map((name) => join(folder, name))
    .sort();
  return shards.length === entry.files.length && shards.every((shard, i) => shard === entry.files[i]![0]);
}

function allExist(entry: Fingerprint): boolean {
  return entry.files.every(([path]) => existsSync(path));
}
