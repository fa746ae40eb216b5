/**
 * Discovery's view of a PEFT adapter folder: which folders are adapters, and the checks that
 * a folder holds both halves of one (config and safetensors weights, never pickle).
 */
import { join } from "node:path";
import type { ModelSource } from "../../types.ts";
import { peftConfigWithoutWeights, peftWeightsWithoutConfig, pickleRefused } from "../../messages.ts";
import { ADAPTER_CONFIG_FILE } from "./adapter-config.ts";
import { ADAPTER_WEIGHTS_FILE, readPeftAdapter } from "./read-peft-adapter.ts";

/** peft's pickle weights (older save_pretrained, or safe_serialization=False). */
const ADAPTER_PICKLE_FILE = "adapter_model.bin";

/**
 * Whether a folder listing is an adapter's: it holds adapter weights, or an adapter config and
 * no other safetensors. A merged model uploaded with its adapter_config.json left beside its
 * model.safetensors is a model, not an adapter without weights.
 */
export function isAdapterFolder(entries: readonly { readonly name: string; readonly isDirectory: boolean }[]): boolean {
  const files = entries.filter((entry) => !entry.isDirectory).map((entry) => entry.name);
  if (files.includes(ADAPTER_WEIGHTS_FILE) || files.includes(ADAPTER_PICKLE_FILE)) return true;
  return files.includes(ADAPTER_CONFIG_FILE) && !files.some((name) => name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json"));
}

/**
 * The adapter in `folder` as a model with id `id`: its own factor tensors, and `adapter` set.
 * Throws MotherError naming the file for a config without weights (or with pickle weights
 * only), weights without a config, and whatever readPeftAdapter finds wrong.
 */
export async function openAdapterFolder(id: string, folder: string): Promise<ModelSource> {
  const [config, weights, pickle] = await Promise.all(
    [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, ADAPTER_PICKLE_FILE].map((name) => Bun.file(join(folder, name)).exists()),
  );
  if (!weights && pickle) throw pickleRefused(join(folder, ADAPTER_PICKLE_FILE));
  if (!weights) throw peftConfigWithoutWeights(join(folder, ADAPTER_CONFIG_FILE));
  if (!config) throw peftWeightsWithoutConfig(join(folder, ADAPTER_WEIGHTS_FILE));
  const adapter = await readPeftAdapter(folder);
  return { id, path: folder, tensors: [...adapter.modules.flatMap((m) => [m.a, m.b]), ...adapter.replaced], adapter, format: "peft" };
}
