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
 * A stable fingerprint of a model's architecture: the first 16 hex digits of SHA-256 over its
 * float tensors' sorted (name, shape) list. Dtype and file layout are left out on purpose, so an
 * F16 copy or a re-sharded copy groups with its original; models whose signatures differ cannot
 * be compared layer by layer and belong to different trees.
 */
export function architectureSignature(model: ModelSource): string {
  const entries = model.tensors.map((tensor) => [tensor.name, tensor.shape] as const);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return createHash("sha256").update(JSON.stringify(entries)).digest("hex").slice(0, 16);
}
