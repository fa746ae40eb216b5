import { rmSync } from "node:fs";
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
  writing.add(temporary);
  try {
    await writeFile(temporary, contents);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    writing.delete(temporary);
  }
}

/** The temp files this thread is writing now (writeFileAtomic, writeFilesAtomic): not yet renamed into place. */
const writing = new Set<string>();

/**
 * Removes the temp files this thread is writing now, at once (a process being stopped: src/cli/stop-cleanly.ts).
 * A stopped run then leaves nothing half-written, not even a hidden temp file (a layer-cache entry, an index segment).
 */
export function removeTemporaryFiles(): void {
  for (const temporary of writing) rmSync(temporary, { force: true });
  writing.clear();
}

/**
 * A hidden temp path beside `path`, unique per process and call (worker threads share a pid),
 * for output that another program writes before it is renamed into place.
 */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

/** The file-system calls writeFilesAtomic makes; tests pass failing ones (a full disk: ENOSPC). */
export interface WriteEffects {
  readonly writeFile: (path: string, contents: string | Uint8Array) => Promise<void>;
  readonly rename: (from: string, to: string) => Promise<void>;
}

const FILE_SYSTEM: WriteEffects = { writeFile, rename };

/**
 * Writes several files all or none: every file goes to its temp file first, and only when all
 * are written are they renamed into place (a full disk fails a write, not a rename, so a run
 * that cannot write its second output leaves no first one). On failure every temp file is
 * removed and the error rethrown with the `path` it concerns.
 */
export async function writeFilesAtomic(files: readonly { path: string; contents: string | Uint8Array }[], effects: WriteEffects = FILE_SYSTEM): Promise<void> {
  const staged: { path: string; temporary: string }[] = [];
  try {
    for (const { path, contents } of files) {
      await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => Promise.reject(new FileWriteError(path, error)));
      const temporary = temporaryPathFor(path);
      staged.push({ path, temporary });
      writing.add(temporary);
      await effects.writeFile(temporary, contents).catch((error: unknown) => Promise.reject(new FileWriteError(path, error)));
    }
    for (const { path, temporary } of staged) await effects.rename(temporary, path).catch((error: unknown) => Promise.reject(new FileWriteError(path, error)));
  } catch (error) {
    await Promise.all(staged.map(({ temporary }) => rm(temporary, { force: true })));
    throw error;
  } finally {
    for (const { temporary } of staged) writing.delete(temporary);
  }
}

/** A failed write of `path`; `cause` is the file system's error (its `code`, e.g. ENOSPC). */
export class FileWriteError extends Error {
  override readonly name = "FileWriteError";
  constructor(
    readonly path: string,
    override readonly cause: unknown,
  ) {
    super(`${path}: ${(cause as NodeJS.ErrnoException)?.code ?? (cause instanceof Error ? cause.message : String(cause))}`);
  }

  /** The error code (ENOSPC, EROFS, …) or message, for a one-line report. */
  get reason(): string {
    return (this.cause as NodeJS.ErrnoException)?.code ?? (this.cause instanceof Error ? this.cause.message : String(this.cause));
  }
}
