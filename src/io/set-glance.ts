/**
 * How large a set of model paths looks before any model is located or opened: one listing per
 * path, names only (and, for a few paths, their files' sizes). `mother recover` decides by it both which JIT tier to relaunch without
 * (src/cli/jit-tier.ts, before the program's modules load: this file imports node:fs and node:path alone) and
 * whether to start its threads before the set is listed (src/index/recover-at-scale.ts).
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Entries of a folder (0 for anything else): a folder of that many entries likely holds that many models. */
export function entriesOf(path: string): number {
  try {
    return readdirSync(path).length;
  } catch {
    return 0;
  }
}

/** How many models `paths` likely hold: as many as paths, or as entries over them if more (`entries` counts a path's). */
export function glancedModels(paths: readonly string[], entries: (path: string) => number = entriesOf): number {
  return Math.max(
    paths.length,
    paths.reduce((sum, path) => sum + entries(path), 0),
  );
}

/** Whether `paths` likely hold `from` models or more (glancedModels). */
export function looksLarge(paths: readonly string[], from: number, entries: (path: string) => number = entriesOf): boolean {
  return paths.length >= from || glancedModels(paths, entries) >= from;
}

/**
 * Visits the files at or under `paths` (a file, a folder's files, its subfolders' files, three
 * levels down: a model folder, or a folder of model folders) with their sizes, until `visit`
 * returns true. Unreadable entries are skipped: the command itself will say so.
 */
export function visitFiles(paths: readonly string[], visit: (file: string, size: number) => boolean): void {
  let done = false;
  const add = (path: string, depth: number) => {
    if (done) return;
    try {
      const stats = statSync(path);
      if (stats.isFile()) done = visit(path, stats.size) === true;
      else if (stats.isDirectory() && depth < 3) for (const entry of readdirSync(path)) add(join(path, entry), depth + 1);
    } catch {
      // Not there, or not readable.
    }
  };
  for (const path of paths) add(path, 0);
}

/** The bytes of the files at or under `paths` (visitFiles), stopping once `enough` are counted. */
export function bytesUnder(paths: readonly string[], enough: number): number {
  let total = 0;
  visitFiles(paths, (_, size) => (total += size) >= enough);
  return total;
}

/** A set of at most this many entries over its paths … */
export const FEW_MODELS = 32;

/** … holding at least this many bytes is a few big models. */
export const BIG_SET_BYTES = 256 * 1024 * 1024;

/**
 * Whether `paths` look like a few big models (a handful of GGUF or safetensors checkpoints):
 * at most FEW_MODELS entries over them, holding BIG_SET_BYTES or more. Their recovery is the
 * layer pass's native kernels: mother recover then runs without JSC's optimising tiers
 * (src/cli/jit-tier.ts) and starts the pass's threads before the set is listed (src/recover/recover.ts).
 */
export function fewBigModels(
  paths: readonly string[],
  entries: (path: string) => number = entriesOf,
  bytes: (paths: readonly string[], enough: number) => number = bytesUnder,
): boolean {
  return !looksLarge(paths, FEW_MODELS + 1, entries) && bytes(paths, BIG_SET_BYTES) >= BIG_SET_BYTES;
}
