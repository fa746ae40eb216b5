/**
 * A PEFT LoRA adapter folder: `adapter_config.json` + `adapter_model.safetensors`. Only the
 * header is read here; the factors are read when the adapter's layers are (adapter-tensor.ts).
 *
 *   base_model.model.<module>.lora_A.weight  [r, in]     ┐ Δ(<module>.weight) = scale · B · A
 *   base_model.model.<module>.lora_B.weight  [out, r]    ┘ (transposed for fan_in_fan_out layers)
 *   base_model.model.<name>                  any shape     a whole tensor the adapter replaces
 *                                                          (modules_to_save, trained biases)
 */
import { join } from "node:path";
import type { LoraModule, PeftAdapter, TensorInfo } from "../../types.ts";
import { peftFactorMissing, peftFactorShapeMismatch, peftNoFactors, peftTensorUnsupported } from "../../messages.ts";
import { openSafetensorsFile } from "../read-safetensors.ts";
import { ADAPTER_CONFIG_FILE, type AdapterConfig, moduleRank, moduleScale, readAdapterConfig } from "./adapter-config.ts";

/** File name of an adapter's weights, as peft's save_pretrained writes them. */
export const ADAPTER_WEIGHTS_FILE = "adapter_model.safetensors";

/** The prefix peft puts before the wrapped model's own module names. */
const PEFT_PREFIX = "base_model.model.";

/** Reads `folder`'s config and weights header. Throws MotherError naming the file for every inconsistency. */
export async function readPeftAdapter(folder: string): Promise<PeftAdapter> {
  const configFile = join(folder, ADAPTER_CONFIG_FILE);
  const weightsFile = join(folder, ADAPTER_WEIGHTS_FILE);
  const config = await readAdapterConfig(configFile);
  const tensors = await openSafetensorsFile(weightsFile);
  return { configFile, weightsFile, baseModel: config.baseModel, fanInFanOut: config.fanInFanOut, ...pairFactors(tensors, config, weightsFile) };
}

/** The adapter's tensors sorted into LoRA modules and replaced tensors, every factor pair checked. */
export function pairFactors(tensors: readonly TensorInfo[], config: AdapterConfig, weightsFile: string): Pick<PeftAdapter, "modules" | "replaced"> {
  const factors = new Map<string, { a?: TensorInfo; b?: TensorInfo }>();
  const replaced: TensorInfo[] = [];
  for (const tensor of tensors) {
    const name = tensor.name.startsWith(PEFT_PREFIX) ? tensor.name.slice(PEFT_PREFIX.length) : tensor.name;
    if (/(?:^|\.)(?:lora_embedding_[AB]|lora_magnitude_vector)(?:\.|$)/.test(name)) {
      throw peftTensorUnsupported(weightsFile, tensor.name, "embedding LoRA and DoRA magnitudes are not read");
    }
    // `<module>.lora_A.weight`, or with an adapter name (`lora_A.default.weight`) as older peft saved it.
    const factor = /^(.+)\.lora_([AB])(?:\.[^.]+)?\.(weight|bias)$/.exec(name);
    if (!factor) {
      replaced.push({ ...tensor, name });
      continue;
    }
    const [, module, which, kind] = factor as unknown as [string, string, "A" | "B", string];
    if (kind === "bias") continue; // lora_bias: a bias update, and recovery reads no biases
    const entry = factors.get(module) ?? {};
    entry[which === "A" ? "a" : "b"] = tensor;
    factors.set(module, entry);
  }
  if (factors.size === 0) throw peftNoFactors(weightsFile);
  const modules: LoraModule[] = [];
  for (const [module, { a, b }] of factors) {
    if (!a) throw peftFactorMissing(weightsFile, module, "lora_A");
    if (!b) throw peftFactorMissing(weightsFile, module, "lora_B");
    const rank = moduleRank(config, module);
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[0] !== rank || b.shape[1] !== rank) {
      throw peftFactorShapeMismatch(weightsFile, module, a.shape, b.shape, rank);
    }
    modules.push({ module, a, b, rank, scale: moduleScale(config, module, rank) });
  }
  return { modules, replaced };
}
