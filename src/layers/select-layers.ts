/**
 * Which weight matrices feed the distances and scores, and which models share an architecture.
 */
import { createHash } from "node:crypto";
import type { LayerKind, ModelSource, TensorInfo } from "../types.ts";
import { classifyLayer } from "./classify-layer.ts";

/**
 * Starting default for ℓ_FT's layer set L (SPEC §2: the attention matrices of every block —
 * ViT/BERT query/key/value/attention-output dense, Llama q/k/v/o_proj). To be tuned by the
 * layer-type ablation (SPEC §4); fused `qkv` (GPT-2 `c_attn`) is not in it yet.
 */
export const DEFAULT_DISTANCE_KINDS: readonly LayerKind[] = ["query", "key", "value", "attention-output"];

/** A 2-D tensor that is not a bias: the matrices the paper's statistics are defined on. */
export function isWeightMatrix(tensor: TensorInfo): boolean {
  return tensor.shape.length === 2 && !/bias$/.test(tensor.name);
}

/**
 * The weight matrices (2-D, not biases) whose name classifies into one of `kinds`, in input
 * order. Fallback rule, for models named by a convention we do not know: when no weight matrix
 * classifies into `kinds`, every square 2-D weight matrix is returned instead (transformer
 * attention projections are square in most architectures) and `onFallback` is told how many.
 * Returns [] only when the model has no square matrix either.
 */
export function selectLayers(
  tensors: readonly TensorInfo[],
  kinds: readonly LayerKind[],
  onFallback: (squareMatrices: number) => void = () => {},
): TensorInfo[] {
  const wanted = new Set(kinds);
  const matrices = tensors.filter(isWeightMatrix);
  const selected = matrices.filter((tensor) => wanted.has(classifyLayer(tensor.name, tensor.shape)));
  if (selected.length > 0) return selected;
  const square = matrices.filter((tensor) => tensor.shape[0] === tensor.shape[1]);
  onFallback(square.length);
  return square;
}

/**
 * Non-trainable buffers that some exports store as floats and others drop: GPT-2's causal mask
 * (`h.N.attn.bias`, `attn.masked_bias`), rotary `inv_freq`, `position_ids`. They say nothing
 * about the architecture, so two saves of the same model must not differ by them.
 */
const SAVED_BUFFER = /(?:^|\.)(?:attn\.bias|attn\.masked_bias|rotary_emb\.inv_freq|position_ids)$/;

/**
 * A stable fingerprint of a model's architecture: the first 16 hex digits of SHA-256 over its
 * float tensors' sorted (name, shape) list, saved buffers (SAVED_BUFFER) excluded. Dtype and file
 * layout are left out on purpose, so an F16 or re-sharded copy groups with its original; models
 * whose signatures differ cannot be compared layer by layer and belong to different trees.
 */
export function architectureSignature(model: ModelSource): string {
  const parameters = model.tensors.filter((tensor) => !SAVED_BUFFER.test(tensor.name));
  const entries = parameters.map((tensor) => [tensor.name, tensor.shape] as const);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return createHash("sha256").update(JSON.stringify(entries)).digest("hex").slice(0, 16);
}
