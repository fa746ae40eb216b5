/**
 * Messages of PEFT adapter folders and pickle checkpoints (src/io/peft/, discovery): each names the
 * file at fault, says what is wrong and, where the fix is known, how to make the input readable.
 */
import { MotherError } from "../errors.ts";

/** The help line of every pickle refusal: how to get safetensors instead. */
const PICKLE_HELP =
  'convert it to safetensors first: python -c "import torch; from safetensors.torch import save_file; ' +
  "save_file(torch.load('IN', weights_only=True), 'OUT.safetensors')\", or transformers/peft save_pretrained(dir, safe_serialization=True)";

/** A `.bin`/`.pt`/`.pth`/`.ckpt` checkpoint or adapter: pickle runs code when loaded, so it is never read. */
export function pickleRefused(file: string): MotherError {
  return new MotherError(file, "is a pickle checkpoint (.bin/.pt/.pth/.ckpt), which mother never loads: unpickling can run arbitrary code", {
    help: PICKLE_HELP,
  });
}

/** An adapter folder with `adapter_config.json` but no `adapter_model.safetensors`. */
export function peftConfigWithoutWeights(configFile: string): MotherError {
  return new MotherError(configFile, "adapter config without adapter weights (no adapter_model.safetensors beside it)", {
    help: "copy the adapter's adapter_model.safetensors into the same folder",
  });
}

/** An `adapter_model.safetensors` without the `adapter_config.json` that says how to apply it. */
export function peftWeightsWithoutConfig(weightsFile: string): MotherError {
  return new MotherError(weightsFile, "adapter weights without adapter_config.json beside them (r and lora_alpha are needed to apply them)", {
    help: "copy the adapter's adapter_config.json into the same folder",
  });
}

/** An `adapter_config.json` that is not JSON, or lacks/mistypes a field we need. */
export function peftConfigMalformed(configFile: string, problem: string): MotherError {
  return new MotherError(configFile, "malformed adapter config", { value: problem, help: "it should be the adapter_config.json peft's save_pretrained wrote" });
}

/** A PEFT method other than LoRA (IA3, prefix tuning, LoHa, …). */
export function peftTypeUnsupported(configFile: string, peftType: string): MotherError {
  return new MotherError(configFile, "unsupported peft_type: only LoRA adapters can be read", { value: peftType, limit: "LORA" });
}

/** A DoRA adapter: its weight is a per-column rescaling of W + BA, which needs the base's norms. */
export function peftDoraUnsupported(configFile: string): MotherError {
  return new MotherError(configFile, "DoRA adapters (use_dora: true) are not supported: their weight rescales each column of W + BA by a learned magnitude", {
    help: "merge it into its base (peft: merge_and_unload) and pass the merged model",
  });
}

/** An adapter tensor that is neither a LoRA factor of a linear layer nor a saved module. */
export function peftTensorUnsupported(weightsFile: string, tensor: string, why: string): MotherError {
  return new MotherError(weightsFile, `tensor ${tensor} is not supported`, {
    value: why,
    help: "mother reads LoRA adapters of linear (and GPT-2 Conv1D) layers",
  });
}

/** A module with lora_A but no lora_B (or the other way round). */
export function peftFactorMissing(weightsFile: string, module: string, missing: "lora_A" | "lora_B"): MotherError {
  return new MotherError(weightsFile, `module ${module} has no ${missing} factor`, { help: "every adapted module needs both lora_A and lora_B" });
}

/** lora_A [r, in] and lora_B [out, r] that do not multiply, or whose rank is not the config's. */
export function peftFactorShapeMismatch(weightsFile: string, module: string, a: readonly number[], b: readonly number[], rank: number): MotherError {
  return new MotherError(weightsFile, `module ${module}: lora_A and lora_B shapes do not fit`, {
    value: `lora_A [${a.join(", ")}], lora_B [${b.join(", ")}]`,
    limit: `lora_A [${rank}, in], lora_B [out, ${rank}]`,
  });
}

/** An adapter with no LoRA factors at all. */
export function peftNoFactors(weightsFile: string): MotherError {
  return new MotherError(weightsFile, "adapter holds no lora_A/lora_B factors");
}

/** An adapted module whose name matches no weight of any model in the set. */
export function peftModuleMatchesNoTensor(weightsFile: string, module: string, models: number): MotherError {
  return new MotherError(weightsFile, `adapted module ${module} matches no weight tensor of any model in the set`, {
    value: `${models} models searched`,
    help: "pass the adapter's base model too; module names must be the model's own (e.g. model.layers.0.self_attn.q_proj)",
  });
}

/** Only adapters whose bases are absent were found: nothing can be recovered. */
export function peftNothingToRecover(adapterPath: string, why: string): MotherError {
  return new MotherError(adapterPath, "adapter has no base model in the set, and too few other models remain to recover a tree", {
    value: why,
    help: "pass the adapter's base model (the folder named by base_model_name_or_path) as well",
  });
}
