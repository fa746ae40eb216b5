/**
 * What a cache keys a weight file by: its absolute path, size and modification time. A
 * changed, moved or re-downloaded file gets a new identity, so stale cache entries are never
 * read (a file rewritten in place with the same size within the same millisecond would not be
 * noticed; downloads and training runs do not do that).
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";

/** [absolute path, size in bytes, mtime in ms]. */
export type FileIdentity = readonly [path: string, size: number, mtimeMs: number];

/** Reads a file's size and modification time (tests pass a fake). */
export type StatFile = (path: string) => Promise<{ size: number; mtimeMs: number }>;

/** The identity of `path` (resolved against the working directory). */
export async function fileIdentity(path: string, statFile: StatFile = stat): Promise<FileIdentity> {
  const absolute = resolve(path);
  const { size, mtimeMs } = await statFile(absolute);
  return [absolute, size, mtimeMs];
}
