/**
 * `mother index`: bring an index folder up to date with the models under some paths.
 *
 *   paths ─1─► models (headers only) ─2─► compare with the index: kept | new or changed | gone
 *         ─3─► fingerprint the new and changed ones, one model at a time ─4─► one new segment (+ compaction)
 *
 * A model is kept when its entry has this version and every file's identity (path, size,
 * mtime) is unchanged: a re-run reads no weights. Entries whose model is gone from the given
 * paths, or whose files no longer exist, leave the index. Unreadable segments are dropped
 * (said in one line each) and their models read again.
 */
import { resolve, sep } from "node:path";
import type { ModelSource } from "../types.ts";
import { discoverModels } from "../io/discover-models.ts";
import { fileIdentity } from "../io/file-identity.ts";
import { FINGERPRINT_VERSION, fingerprintLayers, fingerprintModel, statNow, type Fingerprint } from "./fingerprint.ts";
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
}

/** Steps 1–2: discovers the models under `paths` and compares them with the index at `dir`. */
export async function planIndexUpdate(paths: readonly string[], dir: string, effects: IndexEffects = SILENT): Promise<IndexPlan> {
  const models = await discoverModels([...paths]);
  const loaded = await loadIndex(dir);
  for (const { file, problem } of loaded.bad) effects.log(`${file}: unreadable index segment (${problem}): dropped, its models are read again`);
  const todo: ModelSource[] = [];
  let updated = 0;
  const present = new Set<string>();
  for (const model of models) {
    const path = resolve(model.path);
    present.add(path);
    const entry = loaded.entries.get(path);
    if (entry && (await unchanged(entry, model))) continue;
    if (entry) updated++;
    todo.push(model);
  }
  const roots = paths.map((path) => resolve(path));
  const removed: string[] = [];
  for (const [path, entry] of loaded.entries) {
    if (present.has(path)) continue;
    const underPaths = roots.some((root) => path === root || path.startsWith(root + sep));
    if (underPaths || !(await allExist(entry))) removed.push(path);
  }
  return { loaded, todo, kept: models.length - todo.length, updated, removed };
}

/** Brings the index at `dir` up to date with the models under `paths`. */
export async function indexModels(paths: readonly string[], dir: string, effects: IndexEffects = SILENT): Promise<IndexSummary> {
  const plan = await planIndexUpdate(paths, dir, effects);
  const fingerprints: Fingerprint[] = [];
  effects.progress(0, plan.todo.length);
  for (const model of plan.todo) {
    fingerprints.push(await fingerprintModel(model));
    effects.progress(fingerprints.length, plan.todo.length);
  }
  return finishUpdate(dir, plan, fingerprints);
}

/**
 * Step 4: writes the new fingerprints and removals as one segment (nothing when there are
 * none), drops unreadable segments, and compacts when the segments pile up.
 */
export async function finishUpdate(dir: string, plan: IndexPlan, fingerprints: readonly Fingerprint[]): Promise<IndexSummary> {
  const rows: IndexRow[] = [...fingerprints, ...plan.removed.map((removed) => ({ removed }))];
  const segments = [...plan.loaded.segments];
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

/** Whether an entry still describes `model`: this version, and the same identity for every file. */
async function unchanged(entry: Fingerprint, model: ModelSource): Promise<boolean> {
  if (entry.version !== FINGERPRINT_VERSION) return false;
  const files = [...new Set(fingerprintLayers(model).map((p) => p.tensor.file))].map((file) => resolve(file)).sort();
  if (files.length !== entry.files.length) return false;
  for (const [i, file] of files.entries()) {
    const [path, size, mtimeMs] = await fileIdentity(file, statNow);
    const [indexedPath, indexedSize, indexedMtime] = entry.files[i]!;
    if (path !== indexedPath || size !== indexedSize || mtimeMs !== indexedMtime) return false;
  }
  return true;
}

async function allExist(entry: Fingerprint): Promise<boolean> {
  for (const [path] of entry.files) {
    try {
      await statNow(path);
    } catch {
      return false;
    }
  }
  return true;
}
