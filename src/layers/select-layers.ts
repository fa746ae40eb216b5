/**
 * Which weight matrices feed the distances and scores, and which models share an architecture.
 */
import type { LayerKind, TensorInfo } from "../types.ts";
import { classifyLayer } from "./classify-layer.ts";

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
