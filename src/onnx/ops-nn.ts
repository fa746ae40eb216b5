/**
 * Neural-network building blocks: softmax family, LayerNorm (the ONNX op, whose extra
 * outputs feed its backward), RMSNorm (composed), causal masking and multi-head attention.
 */
import { attr, type ElemType, type Sym } from "./graph.ts";
import { add, div, mul, sqrt } from "./ops-elementwise.ts";
import { reduceMean } from "./ops-reduce.ts";
import { matmul } from "./ops-linear.ts";
import { reshape, transpose } from "./ops-shape.ts";
import { bug } from "../errors.ts";

/** Softmax along `axis` (default last). */
export function softmax(x: Sym, axis = -1): Sym {
  return x.graph.node("Softmax", [x], { axis: attr.int(axis < 0 ? axis + x.rank : axis) }, [{ shape: x.shape, elemType: x.elemType }])[0]!;
}

/** log(softmax(x)) along `axis` (default last), computed stably. */
export function logSoftmax(x: Sym, axis = -1): Sym {
  return x.graph.node("LogSoftmax", [x], { axis: attr.int(axis < 0 ? axis + x.rank : axis) }, [{ shape: x.shape, elemType: x.elemType }])[0]!;
}

/**
 * LayerNorm over the last axis: (x − mean)/√(var + eps) · scale + bias (scale, bias: [features]).
 * Uses ONNX LayerNormalization (opset ≥ 17), which also outputs mean and 1/std; the
 * backward rule reads those instead of recomputing them.
 */
export function layerNorm(x: Sym, scale: Sym, bias: Sym, eps = 1e-5): Sym {
  const statShape = [...x.shape.slice(0, -1), 1];
  // Mean and 1/std come out in float32 (stash_type 1), the only variant ORT CPU registers
  // for float64 inputs too — so float64 LayerNorm computes in float32 precision.
  const stats = { shape: statShape, elemType: "float32" as const };
  const [y] = x.graph.node("LayerNormalization", [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(eps) }, [
    { shape: x.shape, elemType: x.elemType },
    stats,
    stats,
  ]);
  return y!;
}

/**
 * RMSNorm over the last axis (Llama): x / √(mean(x²) + eps) · scale.
 * float32: onnxruntime's SimplifiedLayerNormalization (a contrib op it registers in the
 * ONNX domain; one node, and its 1/rms output feeds the backward rule). float64: composed
 * from primitives, because that op keeps its statistics in float32.
 */
export function rmsNorm(x: Sym, scale: Sym, eps = 1e-6): Sym {
  if (x.elemType === "float64") {
    const rms = sqrt(add(reduceMean(mul(x, x), [-1], true), eps));
    return mul(div(x, rms), scale);
  }
  const [y] = x.graph.node("SimplifiedLayerNormalization", [x, scale], { axis: attr.int(-1), epsilon: attr.float(eps) }, [
    { shape: x.shape, elemType: x.elemType },
    { shape: [...x.shape.slice(0, -1), 1], elemType: "float32" },
  ]);
  return y!;
}

/** Additive causal mask [seq, seq]: 0 where key ≤ query, −1e9 above the diagonal. */
export function causalMask(like: Sym, seq: number, elemType: ElemType = like.elemType): Sym {
  const values = new Float64Array(seq * seq);
  for (let q = 0; q < seq; q++) for (let k = q + 1; k < seq; k++) values[q * seq + k] = -1e9;
  return like.graph.constant(elemType === "float64" ? values : Float32Array.from(values), [seq, seq], elemType);
}

/** softmax(scores + additiveMask) along the last axis; the mask broadcasts (e.g. causalMask). */
export function maskedSoftmax(scores: Sym, additiveMask: Sym): Sym {
  return softmax(add(scores, additiveMask), -1);
}

/** Shape settings of `multiHeadAttention`. */
export interface AttentionShape {
  readonly batch: number;
  readonly seq: number;
  readonly heads: number;
  /** Mask future keys (decoder LMs). */
  readonly causal?: boolean;
}

/**
 * Scaled dot-product attention over heads. q, k, v: [batch·seq, dim] (already projected),
 * returns [batch·seq, dim] (before the output projection). The 1/√headDim scale is
 * applied to q. Layout moves are one Transpose per operand.
 */
export function multiHeadAttention(q: Sym, k: Sym, v: Sym, { batch, seq, heads, causal = false }: AttentionShape): Sym {
  const dim = q.shape[q.rank - 1]!;
  const headDim = dim / heads;
  if (!Number.isInteger(headDim)) bug(`multiHeadAttention: dim ${dim} not divisible by ${heads} heads`);
  const split = (x: Sym): Sym => reshape(x, [batch, seq, heads, headDim]);
  const qh = transpose(split(mul(q, 1 / Math.sqrt(headDim))), [0, 2, 1, 3]); // [B, H, T, Dh]
  const kt = transpose(split(k), [0, 2, 3, 1]); // [B, H, Dh, T]
  const vh = transpose(split(v), [0, 2, 1, 3]); // [B, H, T, Dh]
  const scores = matmul(qh, kt); // [B, H, T, T]
  const weights = causal ? maskedSoftmax(scores, causalMask(q, seq)) : softmax(scores, -1);
  const context = transpose(matmul(weights, vh), [0, 2, 1, 3]); // [B, T, H, Dh]
  return reshape(context, [batch * seq, dim]);
}
