/**
 * PEFT LoRA adapter writer (harness zoos, test fixtures): a folder holding `adapter_config.json`
 * and `adapter_model.safetensors` as peft's save_pretrained writes them, so mother reads them
 * exactly as it reads a published adapter. Keys are `base_model.model.<module>.lora_A.weight`
 * [rank, in] and `….lora_B.weight` [out, rank]; the update they stand for is
 * (alpha / rank) · B · A (alpha / √rank with rsLoRA), transposed for fan_in_fan_out layers.
 */
import { join } from "node:path";
import type { Dtype } from "../../types.ts";
import { writeFileAtomic } from "../write-file-atomic.ts";
import { type TensorToWrite, writeSafetensors } from "../write-safetensors.ts";
import { ADAPTER_CONFIG_FILE } from "./adapter-config.ts";
import { ADAPTER_WEIGHTS_FILE } from "./read-peft-adapter.ts";

/** One adapted module: the model's module name (no peft prefix, no `.weight`) and its factors. */
export interface LoraFactorsToWrite {
  /** e.g. `vit.encoder.layer.0.attention.attention.query`. */
  readonly module: string;
  /** lora_A, row-major [rank, in]. */
  readonly a: Float32Array | Float64Array;
  /** lora_B, row-major [out, rank]. */
  readonly b: Float32Array | Float64Array;
  readonly fanIn: number;
  readonly fanOut: number;
}

/** An adapter to write. */
export interface PeftAdapterToWrite {
  /** `base_model_name_or_path`: the base's id, folder or hub name (omit when unknown). */
  readonly baseModel?: string;
  readonly rank: number;
  readonly alpha: number;
  readonly modules: readonly LoraFactorsToWrite[];
  /** GPT-2 Conv1D layers (weights stored [in, out]). */
  readonly fanInFanOut?: boolean;
  readonly useRslora?: boolean;
  /** Whole tensors the adapter replaces (modules_to_save), named as in the model. */
  readonly saved?: readonly TensorToWrite[];
  /** Storage type of the factors (peft saves the training dtype; F32 by default). */
  readonly dtype?: Dtype;
}

/** Writes `adapter` into `folder` (created if needed); each file is written atomically. */
export async function writePeftAdapter(folder: string, adapter: PeftAdapterToWrite): Promise<void> {
  const dtype = adapter.dtype ?? "F32";
  const tensors: TensorToWrite[] = adapter.modules.flatMap((m) => [
    { name: `base_model.model.${m.module}.lora_A.weight`, dtype, shape: [adapter.rank, m.fanIn], data: m.a },
    { name: `base_model.model.${m.module}.lora_B.weight`, dtype, shape: [m.fanOut, adapter.rank], data: m.b },
  ]);
  for (const tensor of adapter.saved ?? []) tensors.push({ ...tensor, name: `base_model.model.${tensor.name}` });
  const config = {
    peft_type: "LORA",
    task_type: null,
    base_model_name_or_path: adapter.baseModel ?? null,
    r: adapter.rank,
    lora_alpha: adapter.alpha,
    lora_dropout: 0,
    // peft lists the modules' last names (it matches them as suffixes).
    target_modules: [...new Set(adapter.modules.map((m) => m.module.split(".").at(-1)!))].sort(),
    fan_in_fan_out: adapter.fanInFanOut ?? false,
    use_rslora: adapter.useRslora ?? false,
    use_dora: false,
    bias: "none",
    rank_pattern: {},
    alpha_pattern: {},
    modules_to_save: adapter.saved?.length ? [...new Set(adapter.saved.map((t) => t.name.replace(/\.(weight|bias)$/, "")))] : null,
    inference_mode: true,
  };
  await writeSafetensors(join(folder, ADAPTER_WEIGHTS_FILE), tensors, { format: "pt" });
  await writeFileAtomic(join(folder, ADAPTER_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}
