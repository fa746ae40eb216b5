/**
 * A trained model as a Hugging Face style folder: `model.safetensors` (HF names, F32 by
 * default, BF16 for the LM family's release), `config.json` (transformers' config) and
 * `training.json` (the full training config, nanoGPT-style, so a checkpoint says how it
 * was made). Each file is written atomically; model.safetensors is written last so its
 * presence marks a complete folder.
 */
import { join } from "node:path";
import type { NamedTensor } from "../models/init-params.ts";
import { writeAtomically, writeSafetensors } from "../io/write-safetensors.ts";

/** What goes into a checkpoint folder. */
export interface CheckpointContents {
  readonly tensors: readonly NamedTensor[];
  /** HF `config.json` object (its `torch_dtype` is set from `dtype`). */
  readonly hfConfig: Record<string, unknown>;
  /** Stored as `training.json`. */
  readonly training: unknown;
  /** Storage dtype of the weights (default F32). */
  readonly dtype?: "F32" | "BF16";
}

/** Write `folder/{config.json, training.json, model.safetensors}`. */
export async function saveCheckpoint(folder: string, { tensors, hfConfig, training, dtype = "F32" }: CheckpointContents): Promise<void> {
  const json = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
  const config = { ...hfConfig, torch_dtype: dtype === "BF16" ? "bfloat16" : "float32" };
  await writeAtomically(join(folder, "config.json"), (write) => write(json(config)));
  await writeAtomically(join(folder, "training.json"), (write) => write(json(training)));
  await writeSafetensors(
    join(folder, "model.safetensors"),
    tensors.map((tensor) => ({ name: tensor.name, dtype, shape: tensor.shape, data: tensor.data })),
    { format: "pt" },
  );
}
