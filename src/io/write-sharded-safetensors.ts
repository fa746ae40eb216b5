/**
 * Sharded checkpoint writer, laid out as Hugging Face does: `model-0000k-of-0000n.safetensors`
 * shards plus `model.safetensors.index.json` (`metadata.total_size`, sorted `weight_map`).
 */
import { join } from "node:path";
import { DTYPE_BYTES } from "../types.ts";
import { writeAtomically, writeSafetensors, type TensorToWrite } from "./write-safetensors.ts";

/** Name of shard `index` (1-based) of `count`, zero-padded to five digits like transformers. */
export function shardFileName(index: number, count: number): string {
  return `model-${String(index).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.safetensors`;
}

/**
 * Split `tensors` (in name order) greedily into shards of at most `maxShardBytes` of tensor
 * data (a single larger tensor gets a shard of its own), write each shard atomically, then the
 * index last, so an index on disk always names complete shards. Returns the shard file names.
 */
export async function writeShardedSafetensors(
  folder: string,
  tensors: readonly TensorToWrite[],
  maxShardBytes: number,
  metadata: Record<string, string> = { format: "pt" },
): Promise<string[]> {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const groups: TensorToWrite[][] = [];
  let current: TensorToWrite[] = [];
  let currentBytes = 0;
  let totalBytes = 0;
  for (const tensor of sorted) {
    const bytes = tensor.data.length * DTYPE_BYTES[tensor.dtype];
    if (current.length > 0 && currentBytes + bytes > maxShardBytes) {
      groups.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(tensor);
    currentBytes += bytes;
    totalBytes += bytes;
  }
  if (current.length > 0) groups.push(current);

  const files = groups.map((_, i) => shardFileName(i + 1, groups.length));
  const weightMap: Record<string, string> = {};
  for (const [i, group] of groups.entries()) {
    await writeSafetensors(join(folder, files[i]!), group, metadata);
    for (const tensor of group) weightMap[tensor.name] = files[i]!;
  }
  const index = `${JSON.stringify({ metadata: { total_size: totalBytes }, weight_map: weightMap }, null, 2)}\n`;
  await writeAtomically(join(folder, "model.safetensors.index.json"), (write) => write(new TextEncoder().encode(index)));
  return files;
}
