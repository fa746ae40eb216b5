/**
 * Configuration of the small Vision Transformer the harness trains (SPEC §3), its
 * Hugging Face `config.json`, and its parameter list under transformers' names
 * (`ViTForImageClassification` / `ViTForMaskedImageModeling`).
 */
import type { ParamSpec } from "./param-spec.ts";
import { modelConfigInvalid } from "../messages.ts";

/** Architecture of a ViT; everything the graph and the checkpoint depend on. */
export interface VitConfig {
  /** Hidden size (HF `hidden_size`). */
  readonly dim: number;
  /** Number of encoder blocks (HF `num_hidden_layers`). */
  readonly depth: number;
  /** Attention heads; must divide `dim`. */
  readonly heads: number;
  /** MLP hidden size (HF `intermediate_size`). */
  readonly mlpDim: number;
  /** Patch side in pixels; must divide `imageSize`. */
  readonly patch: number;
  /** Square input side in pixels (3 channels, NCHW). */
  readonly imageSize: number;
  /** Classifier outputs; 0 means no classifier (a masked-patch pre-training model). */
  readonly numClasses: number;
  /** LayerNorm epsilon (HF default 1e-12). */
  readonly layerNormEps: number;
  /** Std of the Gaussian init (HF `initializer_range`). */
  readonly initializerRange: number;
}

/**
 * The VTHR default: 17 tokens (16 patches of 8×8 on 32×32 + CLS), dim 48, depth 3.
 * Sized so 300 fine-tunes of a few hundred steps fit the 30-minute budget on 2 cores (SPEC §6).
 */
export const VTHR_VIT: VitConfig = {
  dim: 48,
  depth: 3,
  heads: 3,
  mlpDim: 192,
  patch: 8,
  imageSize: 32,
  numClasses: 10,
  layerNormEps: 1e-12,
  initializerRange: 0.02,
};

/** Number of patches per image (tokens minus CLS). */
export function vitPatchCount(config: VitConfig): number {
  return (config.imageSize / config.patch) ** 2;
}

/** Throws a MotherError naming the first inconsistent field. */
export function checkVitConfig(config: VitConfig): void {
  if (config.dim % config.heads !== 0) throw modelConfigInvalid("vit", "heads must divide dim", `${config.dim}/${config.heads}`);
  if (config.imageSize % config.patch !== 0) throw modelConfigInvalid("vit", "patch must divide imageSize", `${config.imageSize}/${config.patch}`);
  for (const key of ["dim", "depth", "heads", "mlpDim", "patch", "imageSize"] as const) {
    if (!Number.isInteger(config[key]) || config[key] <= 0) throw modelConfigInvalid("vit", `${key} must be a positive integer`, config[key]);
  }
}

/** Names of the tensors of block `index`, keyed by role. */
export function vitBlockNames(index: number) {
  const prefix = `vit.encoder.layer.${index}`;
  return {
    layernormBefore: `${prefix}.layernorm_before`,
    query: `${prefix}.attention.attention.query`,
    key: `${prefix}.attention.attention.key`,
    value: `${prefix}.attention.attention.value`,
    attentionOutput: `${prefix}.attention.output.dense`,
    layernormAfter: `${prefix}.layernorm_after`,
    intermediate: `${prefix}.intermediate.dense`,
    output: `${prefix}.output.dense`,
  } as const;
}

/** Pre-training/fine-tuning head on top of the encoder. */
export type VitHead = "classifier" | "masked-patches";

/**
 * Every parameter of the model in HF order and layout (Linear weight [out, in],
 * patch projection as the conv weight [dim, 3, p, p]). The classifier head gives
 * `classifier.*`; the masked-patch head gives `vit.embeddings.mask_token` and the
 * 1×1-conv decoder `decoder.0.*` of `ViTForMaskedImageModeling` (encoder_stride = patch).
 */
export function vitParamSpecs(config: VitConfig, head: VitHead = "classifier"): ParamSpec[] {
  checkVitConfig(config);
  const { dim, mlpDim, patch } = config;
  const std = config.initializerRange;
  const weight = { kind: "trunc-normal", std } as const;
  const zeros = { kind: "zeros" } as const;
  const ones = { kind: "ones" } as const;
  const specs: ParamSpec[] = [
    { name: "vit.embeddings.cls_token", shape: [1, 1, dim], init: weight },
    ...(head === "masked-patches" ? [{ name: "vit.embeddings.mask_token", shape: [1, 1, dim], init: zeros }] : []),
    { name: "vit.embeddings.position_embeddings", shape: [1, vitPatchCount(config) + 1, dim], init: weight },
    { name: "vit.embeddings.patch_embeddings.projection.weight", shape: [dim, 3, patch, patch], init: weight },
    { name: "vit.embeddings.patch_embeddings.projection.bias", shape: [dim], init: zeros },
  ];
  const linear = (name: string, out: number, inp: number) => {
    specs.push({ name: `${name}.weight`, shape: [out, inp], init: weight }, { name: `${name}.bias`, shape: [out], init: zeros });
  };
  const layerNorm = (name: string) => {
    specs.push({ name: `${name}.weight`, shape: [dim], init: ones }, { name: `${name}.bias`, shape: [dim], init: zeros });
  };
  for (let index = 0; index < config.depth; index++) {
    const names = vitBlockNames(index);
    layerNorm(names.layernormBefore);
    linear(names.query, dim, dim);
    linear(names.key, dim, dim);
    linear(names.value, dim, dim);
    linear(names.attentionOutput, dim, dim);
    layerNorm(names.layernormAfter);
    linear(names.intermediate, mlpDim, dim);
    linear(names.output, dim, mlpDim);
  }
  layerNorm("vit.layernorm");
  if (head === "classifier") {
    if (config.numClasses <= 0) throw modelConfigInvalid("vit", "a classifier head needs numClasses > 0", config.numClasses);
    linear("classifier", config.numClasses, dim);
  } else {
    const pixels = 3 * patch * patch;
    specs.push({ name: "decoder.0.weight", shape: [pixels, dim, 1, 1], init: weight }, { name: "decoder.0.bias", shape: [pixels], init: zeros });
  }
  return specs;
}

/** The `config.json` transformers writes for this model (what readers of real checkpoints see). */
export function vitHfConfig(config: VitConfig, head: VitHead = "classifier"): Record<string, unknown> {
  const labels = Array.from({ length: config.numClasses }, (_, index) => index);
  return {
    architectures: [head === "classifier" ? "ViTForImageClassification" : "ViTForMaskedImageModeling"],
    model_type: "vit",
    hidden_size: config.dim,
    num_hidden_layers: config.depth,
    num_attention_heads: config.heads,
    intermediate_size: config.mlpDim,
    hidden_act: "gelu",
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
    initializer_range: config.initializerRange,
    layer_norm_eps: config.layerNormEps,
    image_size: config.imageSize,
    patch_size: config.patch,
    num_channels: 3,
    qkv_bias: true,
    encoder_stride: config.patch,
    ...(head === "classifier"
      ? {
          id2label: Object.fromEntries(labels.map((label) => [String(label), `LABEL_${label}`])),
          label2id: Object.fromEntries(labels.map((label) => [`LABEL_${label}`, label])),
        }
      : {}),
    torch_dtype: "float32",
  };
}
