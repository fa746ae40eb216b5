/**
 * Writes a derived copy of a model as a new model folder (`model.safetensors`, plus the
 * source's `config.json` when it has one), the way a re-uploader would: every tensor under
 * its own name, only the 2-D matrices transformed (derived-kinds.ts). A copy already on disk
 * is reused when its record (`derived.json`) names the same kind, version and source bytes
 * (path, size, modification time); it is written last, so a record means a whole copy.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readSafetensorsHeader, readTensor } from "../../io/read-safetensors.ts";
import { writeSafetensors, type TensorToWrite } from "../../io/write-safetensors.ts";
import type { ModelSource } from "../../types.ts";
import { writeFileAtomic } from "../../io/write-file-atomic.ts";
import { deriveTensor, type DerivedKind } from "./derived-kinds.ts";
import { derivedCopyNonFloat } from "../../messages.ts";

/** Bump when a transform changes: older copies are then rewritten, never reused. */
export const DERIVED_COPY_VERSION = 1;

/** The record beside every copy. */
interface DerivedRecord {
  readonly version: number;
  readonly kind: DerivedKind;
  readonly source: readonly { file: string; bytes: number; modified: number }[];
}

/** True when a fresh copy was written, false when the one on disk was reused. */
export async function writeDerivedCopy(source: ModelSource, kind: DerivedKind, folder: string): Promise<boolean> {
  const files = [...new Set(source.tensors.map((t) => t.file))];
  const record: DerivedRecord = {
    version: DERIVED_COPY_VERSION,
    kind,
    source: await Promise.all(
      files.map(async (file) => {
        const info = await stat(file);
        return { file, bytes: info.size, modified: info.mtimeMs };
      }),
    ),
  };
  const recordFile = join(folder, "derived.json");
  const existing = await readFile(recordFile, "utf8").catch(() => undefined);
  if (existing !== undefined && existing === JSON.stringify(record)) return false;

  for (const file of files) {
    const skipped = (await readSafetensorsHeader(file)).skipped;
    if (skipped.length > 0) throw derivedCopyNonFloat(file, skipped.length);
  }
  const metadata = (await readSafetensorsHeader(files[0]!)).metadata;
  const tensors: TensorToWrite[] = [];
  for (const info of source.tensors) {
    tensors.push(deriveTensor(kind, { name: info.name, dtype: info.dtype, shape: info.shape, data: await readTensor(info) }));
  }
  await writeSafetensors(join(folder, "model.safetensors"), tensors, { ...metadata, derived_from: source.id, derived_kind: kind });
  const config = join(source.path, "config.json");
  if (existsSync(config)) await writeFileAtomic(join(folder, "config.json"), await readFile(config));
  await writeFileAtomic(recordFile, JSON.stringify(record));
  return true;
}
