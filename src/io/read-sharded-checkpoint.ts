/**
 * Sharded checkpoints: `model.safetensors.index.json` maps every tensor name to the shard
 * file holding it (`{"metadata": {...}, "weight_map": {name: "model-00001-of-00002.safetensors"}}`).
 * We trust the index only after checking it against the shards' own headers.
 */
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { TensorInfo } from "../types.ts";
import { readSafetensorsHeader } from "./read-safetensors.ts";
import { emptyTensors, type SkippedTensor } from "./safetensors-header.ts";
import {
  cannotReadFile,
  shardFilesNotNamed,
  shardIndexEmpty,
  shardIndexNotJson,
  shardIndexOmits,
  shardIndexWithoutWeightMap,
  shardLacksTensor,
  shardMissing,
  shardNameInvalid,
  unmappedTensorInTwoShards,
} from "../messages.ts";

/** File-name suffix of a sharded checkpoint's index (`model.safetensors.index.json`, …). */
export const SHARD_INDEX_SUFFIX = ".safetensors.index.json";

/** Parse an index file into tensor name → shard file name (relative to the index's folder). */
export async function readShardIndex(indexFile: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(indexFile, "utf8");
  } catch (error) {
    throw cannotReadFile(indexFile, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw shardIndexNotJson(indexFile, (error as Error).message);
  }
  const weightMap = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (weightMap === null || typeof weightMap !== "object" || Array.isArray(weightMap)) {
    throw shardIndexWithoutWeightMap(indexFile);
  }
  const shardOf = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== "string" || shard.length === 0 || shard.includes("/") || shard.includes("\\")) {
      throw shardNameInvalid(indexFile, name, JSON.stringify(shard));
    }
    shardOf.set(name, shard);
  }
  if (shardOf.size === 0) throw shardIndexEmpty(indexFile);
  return shardOf;
}

/**
 * A shard's file name as transformers writes it (`model-00002-of-00003.safetensors`): a file so
 * named beside an index that never names it is most likely a shard the index forgot. Other
 * files (Mistral's `consolidated.safetensors`, a copy in another layout) are not shards.
 */
const SHARD_FILE = /-\d+-of-\d+\.safetensors$/;

/** What opening a sharded checkpoint noticed without refusing it (discoverModels reports it). */
export interface ShardNotes {
  /** One-line notes naming the index (a shard tensor the index omits). */
  readonly note?: (message: string) => void;
  /** Empty tensors (a dimension of 0) found in the shards, with their shard file. */
  readonly empty?: (file: string, tensors: readonly SkippedTensor[]) => void;
}

/**
 * Open every shard an index names and return the float tensors (shard by shard in sorted shard
 * order, header order within a shard). Errors: a shard that does not exist or is corrupt, and
 * a mapped tensor absent from its shard. A float tensor a shard holds but the index omits is
 * read anyway, with a note: the shard's header is the truth, and dropping the tensor would
 * silently move the model into another architecture group than its siblings (transformers
 * ignores such tensors, but it loads one model, not a family). A shard-named file beside the
 * index that it never names is noted and not read. Mapped non-float tensors (integer buffers)
 * are skipped.
 */
export async function openShardedCheckpoint(indexFile: string, notes: ShardNotes = {}): Promise<TensorInfo[]> {
  const shardOf = await readShardIndex(indexFile);
  const shards = [...new Set(shardOf.values())].sort();
  for (const shard of shards) {
    if (!(await Bun.file(join(dirname(indexFile), shard)).exists())) {
      throw shardMissing(indexFile, shard, join(dirname(indexFile), shard));
    }
  }
  const unnamed = (await readdir(dirname(indexFile))).filter((name) => SHARD_FILE.test(name) && !shards.includes(name)).sort();
  if (unnamed.length > 0) notes.note?.(shardFilesNotNamed(indexFile, unnamed));
  const headers = await Promise.all(shards.map((shard) => readSafetensorsHeader(join(dirname(indexFile), shard))));
  const tensors: TensorInfo[] = [];
  for (const [i, shard] of shards.entries()) {
    const header = headers[i]!;
    const present = new Set([...header.tensors.map((t) => t.name), ...header.skipped.map((t) => t.name)]);
    for (const [name, mappedShard] of shardOf) {
      if (mappedShard === shard && !present.has(name)) {
        throw shardLacksTensor(indexFile, name, shard);
      }
    }
    const omitted = header.tensors.filter((t) => !shardOf.has(t.name)).map((t) => t.name);
    if (omitted.length > 0) notes.note?.(shardIndexOmits(indexFile, omitted, shard));
    for (const tensor of header.tensors) if (shardOf.get(tensor.name) === shard || !shardOf.has(tensor.name)) tensors.push(tensor);
    const empty = emptyTensors(header.skipped);
    if (empty.length > 0) notes.empty?.(join(dirname(indexFile), shard), empty);
  }
  const fileOf = new Map<string, string>();
  for (const tensor of tensors) {
    const earlier = fileOf.get(tensor.name);
    if (earlier !== undefined) throw unmappedTensorInTwoShards(indexFile, tensor.name, earlier, tensor.file);
    fileOf.set(tensor.name, tensor.file);
  }
  return tensors;
}
