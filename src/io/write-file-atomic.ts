import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes `contents` to `path` so a reader sees either the old file or the whole new one:
 * the bytes go to a hidden temp file in the same folder (same filesystem, so the rename is
 * atomic) and are renamed into place; on failure the temp file is removed and the error rethrown.
 */
export async function writeFileAtomic(path: string, contents: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryPathFor(path);
  try {
    await writeFile(temporary, contents);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * A hidden temp path beside `path`, unique per process and call (worker threads share a pid),
 * for output that another program writes before it is renamed into place.
 */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}
