/**
 * Writes a derived copy of a model as a new model folder (`model.safetensors`, plus the
 * source's `config.json` when it has one), the way a re-uploader would: every tensor under
 * its own name, only the 2-D matrices transformed (derived-kinds.ts). A copy already on disk
 * is reused when its record (`derived.json`, copy-record.ts) names the same kind, version and
 * source bytes.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readSafetensorsHeader, readTensor } from "../../io/read-safetensors.ts";
import { writeSafetensors, type TensorToWrite } from "../../io/write-safetensors.ts";
import type { ModelSource } from "../../types.ts";
import { writeFileAtomic } from "../../io/write-file-atomic.ts";
import { deriveTensor, type DerivedKind } from "./derived-kinds.ts";
import { writeUnlessRecorded } from "./copy-record.ts";
import { derivedCopyNonFloat } from "../../messages.ts";

/** Bump when a transform changes: older copies are then rewritten, never reused. */
export const DERIVED_COPY_VERSION = 1;

/** True when a fresh copy was written, false when the one on disk was reused (its record: `derived.json`). */
export function writeDerivedCopy(source: ModelSource, kind: DerivedKind, folder: string): Promise<boolean> {
  return writeUnlessRecorded(source, folder, "derived.json", { version: DERIVED_COPY_VERSION, kind }, async (files) => {
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
  });
}
