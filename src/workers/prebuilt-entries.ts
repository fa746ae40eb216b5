/**
 * Where a worker thread's entry is read from: the prebuilt bundle's copy of it when the process
 * runs from the bundle (src/cli/prebuilt.ts says so, before the bundle loads), else the source
 * module the pool names. Kept on globalThis, so the loader (from the sources) and the pools (in
 * the bundle, a second copy of this module) see the same table.
 */

const TABLE = Symbol.for("mother.prebuiltWorkerEntries");

/** The prebuilt entries, by the URL of the source module a pool names as its entry. */
export function usePrebuiltEntries(entries: Readonly<Record<string, string>>): void {
  (globalThis as { [TABLE]?: Readonly<Record<string, string>> })[TABLE] = entries;
}

/** The module a worker for `entry` (a source module URL) starts from. */
export function workerEntry(entry: string): string {
  return (globalThis as { [TABLE]?: Readonly<Record<string, string>> })[TABLE]?.[entry] ?? entry;
}
