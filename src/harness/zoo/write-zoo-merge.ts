/**
 * Writes a merge of trained models as a new model folder, as mergekit would publish it: every
 * tensor the parents share (same name and shape) merged by the method, any other (a task head
 * of another size) taken from the first parent, stored as the first parent stores it. Reused
 * when its record (`merge.json`: method, parents, base and their files' size and time) is
 * unchanged; the record is written last, so a record means a whole merge.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readTensor } from "../../io/read-safetensors.ts";
import { writeFileAtomic } from "../../io/write-file-atomic.ts";
import { writeSafetensors, type TensorToWrite } from "../../io/write-safetensors.ts";
import type { ModelSource, TensorInfo } from "../../types.ts";
import { mergeTensor, type MergeMethod } from "./merge-weights.ts";

/** Bump when a merge method changes: older merges are rewritten. */
export const ZOO_MERGE_VERSION = 1;

/** True when a fresh merge was written, false when the one on disk was reused. */
export async function writeZooMerge(method: MergeMethod, parents: readonly ModelSource[], base: ModelSource | undefined, folder: string): Promise<boolean> {
  const sources = [...parents, ...(base ? [base] : [])];
  const files = [...new Set(sources.flatMap((m) => m.tensors.map((t) => t.file)))];
  const record = JSON.stringify({
    version: ZOO_MERGE_VERSION,
    method,
    parents: parents.map((p) => p.id),
    base: base?.id ?? null,
    files: await Promise.all(files.map(async (file) => ({ file, ...(({ size, mtimeMs }) => ({ size, mtimeMs }))(await stat(file)) }))),
  });
  const recordFile = join(folder, "merge.json");
  if ((await readFile(recordFile, "utf8").catch(() => undefined)) === record) return false;
  const byName = (model: ModelSource) => new Map(model.tensors.map((t) => [t.name, t]));
  const parentTensors = parents.map(byName);
  const baseTensors = base ? byName(base) : undefined;
  const sameShape = (a: TensorInfo | undefined, b: TensorInfo) => a !== undefined && a.shape.join("x") === b.shape.join("x");
  const tensors: TensorToWrite[] = [];
  for (const [salt, info] of parents[0]!.tensors.entries()) {
    const all = parentTensors.map((tensors) => tensors.get(info.name));
    const baseInfo = baseTensors?.get(info.name);
    const shared = all.every((t) => sameShape(t, info)) && (!baseTensors || sameShape(baseInfo, info));
    const data = shared
      ? mergeTensor(method, await Promise.all(all.map((t) => readTensor(t!))), baseInfo ? await readTensor(baseInfo) : undefined, salt)
      : await readTensor(info);
    tensors.push({ name: info.name, dtype: info.dtype, shape: info.shape, data });
  }
  await writeSafetensors(join(folder, "model.safetensors"), tensors, { merged_from: parents.map((p) => p.id).join(","), merge_method: method.kind });
  await writeFileAtomic(recordFile, record);
  return true;
}
