/**
 * How large a set of model paths looks before any model is located or opened: one listing per
 * path, names only. `mother recover` decides by it both whether to relaunch with the FTL tier off
 * (src/cli/jit-tier.ts, before the program's modules load: this file imports node:fs alone) and
 * whether to start its threads before the set is listed (src/index/recover-at-scale.ts).
 */
import { readdirSync } from "node:fs";

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
