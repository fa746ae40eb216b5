/**
 * The record kept beside a written copy of a model (derived and GGUF copies): the settings it
 * was made with and the source files' bytes (path, size, modification time). A copy whose
 * record matches is reused; the record is written last, so a record means a whole copy.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../io/write-file-atomic.ts";
import type { ModelSource } from "../../types.ts";

/**
 * Runs `write` (which fills `folder` from `source`) unless `folder`/`recordName` already records
 * the same `settings` and source bytes; true when it wrote, false when the copy was reused.
 */
export async function writeUnlessRecorded(
  source: ModelSource,
  folder: string,
  recordName: string,
  settings: Readonly<Record<string, unknown>>,
  write: (files: readonly string[]) => Promise<void>,
): Promise<boolean> {
  const files = [...new Set(source.tensors.map((t) => t.file))];
  const record = JSON.stringify({
    ...settings,
    source: await Promise.all(
      files.map(async (file) => {
        const info = await stat(file);
        return { file, bytes: info.size, modified: info.mtimeMs };
      }),
    ),
  });
  const recordFile = join(folder, recordName);
  if ((await readFile(recordFile, "utf8").catch(() => undefined)) === record) return false;
  await write(files);
  await writeFileAtomic(recordFile, record);
  return true;
}
