/** Read a checkpoint folder's (or file's) tensors through src/io's reader, as float32. */
import { discoverModels } from "../io/discover-models.ts";
import { readTensor } from "../io/read-safetensors.ts";
import type { NamedTensor } from "../models/init-params.ts";
import { checkpointNotOneModel } from "../messages.ts";

/** All tensors of the one model at `path` (folder with model.safetensors, or a .safetensors file). */
export async function readCheckpointTensors(path: string): Promise<NamedTensor[]> {
  const models = await discoverModels([path]);
  if (models.length !== 1) throw checkpointNotOneModel(path, models.length);
  const out: NamedTensor[] = [];
  for (const info of models[0]!.tensors) {
    const values = await readTensor(info);
    out.push({ name: info.name, shape: info.shape, data: values instanceof Float32Array ? values : Float32Array.from(values) });
  }
  return out;
}
