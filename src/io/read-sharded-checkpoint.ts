/**
 * Sharded checkpoints: `model.safetensors.index.json` maps every tensor name to the shard
 * file holding it (`{"metadata": {...}, "weight_map": {name: "model-00001-of-00002.safetensors"}}`).
 * We trust the index only after checking it against the shards' own headers.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MotherError } from "../errors.ts";
import type { TensorInfo } from "../types.ts";
import { readSafetensorsHeader } from "./read-safetensors.ts";

/** File-name suffix of a sharded checkpoint's index (`model.safetensors.index.json`, …). */
export const SHARD_INDEX_SUFFIX = ".safetensors.index.json";

/** Parse an index file into tensor name → shard file name (relative to the index's folder). */
export async function readShardIndex(indexFile: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(indexFile, "utf8");
  } catch (error) {
    throw new MotherError(indexFile, "cannot read file", { value: (error as NodeJS.ErrnoException).code ?? String(error) });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MotherError(indexFile, "shard index is not JSON", { value: (error as Error).message });
  }
  const weightMap = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (weightMap === null || typeof weightMap !== "object" || Array.isArray(weightMap)) {
    throw new MotherError(indexFile, "shard index has no weight_map object");
  }
  const shardOf = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== "string" || shard.length === 0 || shard.includes("/") || shard.includes("\\")) {
      throw new MotherError(indexFile, `weight_map entry for ${name} is not a shard file name in the same folder`, { value: JSON.stringify(shard) });
    }
    shardOf.set(name, shard);
  }
  if (shardOf.size === 0) throw new MotherError(indexFile, "shard index maps no tensors");
  return shardOf;
}

/**
 * Open every shard an index names and return the mapped float tensors (shard by shard in
 * sorted shard order, header order within a shard). Errors: a shard that does not exist or is
 * corrupt, and a mapped tensor absent from its shard. Shard tensors the index does not map
 * are ignored, as transformers does; mapped non-float tensors (integer buffers) are skipped.
 */
export async function openShardedCheckpoint(indexFile: string): Promise<TensorInfo[]> {
  const shardOf = await readShardIndex(indexFile);
  const shards = [...new Set(shardOf.values())].sort();
  for (const shard of shards) {
    if (!(await Bun.file(join(dirname(indexFile), shard)).exists())) {
      throw new MotherError(indexFile, `shard ${shard} named in weight_map does not exist`, { value: join(dirname(indexFile), shard) });
    }
  }
  const headers = await Promise.all(shards.map((shard) => readSafetensorsHeader(join(dirname(indexFile), shard))));
  const tensors: TensorInfo[] = [];
  for (const [i, shard] of shards.entries()) {
    const header = headers[i]!;
    const present = new Set([...header.tensors.map((t) => t.name), ...header.skipped.map((t) => t.name)]);
    for (const [name, mappedShard] of shardOf) {
      if (mappedShard === shard && !present.has(name)) {
        throw new MotherError(indexFile, `tensor ${name} is mapped to ${shard} but that shard does not hold it`);
      }
    }
    for (const tensor of header.tensors) if (shardOf.get(tensor.name) === shard) tensors.push(tensor);
  }
  return tensors;
}
