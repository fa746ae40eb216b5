import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes `contents` to `path` so a reader sees either the old file or the whole new one:
 * the bytes go to a hidden temp file in the same folder (same filesystem, so the rename is
 * atomic) and are renamed into place; on failure the temp file is removed and the error rethrown.
 */
export async function writeFileAtomic(path: string, contents: string | Uint8Array): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    await writeFile(temporary, contents);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
