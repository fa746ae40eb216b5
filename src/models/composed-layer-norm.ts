/**
 * LayerNorm from primitives ((x − μ)/√(σ² + ε)·γ + β over the last axis). Slower than the
 * ONNX op (more nodes) but exact in float64, which the op is not on ORT CPU (its
 * statistics are f32) — used by the whole-model finite-difference gradient checks.
 */
import { add, div, mul, reduceMean, sqrt, sub, type Sym } from "../onnx/index.ts";

/** LayerNorm over the last axis built from Sub/Mul/ReduceMean/Sqrt/Div. */
export function composedLayerNorm(x: Sym, scale: Sym, bias: Sym, eps: number): Sym {
  const centred = sub(x, reduceMean(x, [-1], true));
  const variance = reduceMean(mul(centred, centred), [-1], true);
  return add(mul(div(centred, sqrt(add(variance, eps))), scale), bias);
}
