/**
 * Messages of model discovery (src/io/discover-models.ts, read-sharded-checkpoint.ts): paths that
 * are not models, folders that hold none, and shard indexes that do not match their shards.
 */
import { MotherError } from "../errors.ts";

/** A path that cannot be read (`reason`: the system's code). */
export function cannotReadPath(path: string, reason: string): MotherError {
  return new MotherError(path, "cannot read path", { value: reason });
}

/** A folder whose entries cannot be listed. */
export function cannotReadFolder(folder: string, reason: string): MotherError {
  return new MotherError(folder, "cannot read folder", { value: reason });
}

/** A file that is neither safetensors nor GGUF. */
export function notAModelFile(path: string): MotherError {
  return new MotherError(path, "not a .safetensors or .gguf file or a model folder");
}

/** A path that is neither a file nor a folder (a socket, a device). */
export function notFileOrFolder(path: string): MotherError {
  return new MotherError(path, "not a file or folder");
}

/** Two models with one id (ids come from folder names and file stems). */
export function duplicateModelId(path: string, id: string, otherPath: string): MotherError {
  return new MotherError(path, `duplicate model id ${id}, also used by ${otherPath}`, {
    help: "rename one folder or file; ids come from folder names and file stems",
  });
}

/** One model reached twice: its path given twice, or given and also found in a folder given. */
export function modelGivenTwice(path: string): MotherError {
  return new MotherError(path, "is given twice (once more directly, or inside another path given)", {
    help: "give each model once: its folder, or a folder of model folders holding it",
  });
}

/** A model without a single floating-point tensor. */
export function noFloatTensors(path: string): MotherError {
  return new MotherError(path, "model has no floating-point (F64/F32/F16/BF16) tensors");
}

/** A folder of pickle checkpoints (pytorch_model.bin, .pt, .ckpt) and no safetensors. */
export function otherCheckpointFormat(path: string, count: number): MotherError {
  return new MotherError(path, "holds checkpoints in another format (pytorch_model.bin, .pt, .ckpt), not safetensors", {
    value: `${count} such files`,
    help: "save them as safetensors first, e.g. transformers' save_pretrained(dir, safe_serialization=True)",
  });
}

/** A folder where a weights file is expected: named like one, in a subfolder that holds no model (the model would be skipped). */
export function folderNamedLikeWeights(path: string): MotherError {
  return new MotherError(path, "is a folder named like a weights file, where a model is looked for: its model would be skipped unseen", {
    help: "put the weights file itself there (a folder is not read as one), or move the folder out",
  });
}

/** A folder with no model files and no model folders. */
export function noModelsInFolder(path: string): MotherError {
  return new MotherError(path, "folder holds no .safetensors files and no model folders", {
    help: "point at a model folder, a .safetensors file, or a folder of model folders",
  });
}

/** Several shard indexes, none of them the standard one. */
export function severalShardIndexes(folder: string, indexes: readonly string[]): MotherError {
  return new MotherError(folder, "several shard indexes and none is model.safetensors.index.json", { value: indexes.join(", ") });
}

/** One tensor in two files of an unindexed model folder. */
export function tensorInTwoFiles(file: string, tensor: string, earlier: string): MotherError {
  return new MotherError(file, `tensor ${tensor} also appears in ${earlier}`, {
    help: "add a model.safetensors.index.json saying which file holds each tensor",
  });
}

/** A shard index that is not JSON. */
export function shardIndexNotJson(indexFile: string, reason: string): MotherError {
  return new MotherError(indexFile, "shard index is not JSON", { value: reason });
}

/** A shard index without a weight_map object. */
export function shardIndexWithoutWeightMap(indexFile: string): MotherError {
  return new MotherError(indexFile, "shard index has no weight_map object");
}

/** A weight_map entry that is not a file name in the index's folder. */
export function shardNameInvalid(indexFile: string, tensor: string, value: string): MotherError {
  return new MotherError(indexFile, `weight_map entry for ${tensor} is not a shard file name in the same folder`, { value });
}

/** A weight_map that maps nothing. */
export function shardIndexEmpty(indexFile: string): MotherError {
  return new MotherError(indexFile, "shard index maps no tensors");
}

/** A shard the index names but the folder lacks. */
export function shardMissing(indexFile: string, shard: string, path: string): MotherError {
  return new MotherError(indexFile, `shard ${shard} named in weight_map does not exist`, { value: path });
}

/** A tensor mapped to a shard that does not hold it. */
export function shardLacksTensor(indexFile: string, tensor: string, shard: string): MotherError {
  return new MotherError(indexFile, `tensor ${tensor} is mapped to ${shard} but that shard does not hold it`);
}

/** A tensor the index omits and two shards hold: which one is the model's cannot be told. */
export function unmappedTensorInTwoShards(indexFile: string, tensor: string, first: string, second: string): MotherError {
  return new MotherError(indexFile, `weight_map omits ${tensor}, which two shards hold`, { value: `${first} and ${second}` });
}
