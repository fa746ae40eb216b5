/**
 * Matrix products. `matmul` is numpy matmul (batched, broadcasting batch dims);
 * `gemm` is the 2-D fused α·op(A)·op(B) + C; `linear` is a dense layer in the
 * PyTorch / Hugging Face weight layout, so saved weights need no transposes.
 */
import { broadcastShapes } from "./broadcast.ts";
import { attr, type Sym } from "./graph.ts";
import { reshape } from "./ops-shape.ts";
import { bug } from "../errors.ts";

/** Numpy matmul for rank ≥ 2 operands: [..., M, K] @ [..., K, N] → [..., M, N]. */
export function matmul(a: Sym, b: Sym): Sym {
  if (a.rank < 2 || b.rank < 2) bug(`matmul: operands must be rank ≥ 2 ([${a.shape}] @ [${b.shape}])`);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [k2, n] = b.shape.slice(-2) as [number, number];
  if (k !== k2) bug(`matmul: inner dimensions differ ([${a.shape}] @ [${b.shape}])`);
  const batch = broadcastShapes("MatMul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  return a.graph.node("MatMul", [a, b], {}, [{ shape: [...batch, m, n], elemType: a.elemType }])[0]!;
}

/** Options of `gemm`: transposes of A and B (α = β = 1). */
export interface GemmOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/** 2-D op(A)·op(B) (+ C, broadcast to [M, N]) in one node. */
export function gemm(a: Sym, b: Sym, c?: Sym, { transA = false, transB = false }: GemmOptions = {}): Sym {
  if (a.rank !== 2 || b.rank !== 2) bug(`gemm: operands must be 2-D ([${a.shape}], [${b.shape}])`);
  const [m, k] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, n] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k !== k2) bug(`gemm: inner dimensions differ ([${a.shape}]${transA ? "ᵀ" : ""} · [${b.shape}]${transB ? "ᵀ" : ""})`);
  if (c) broadcastShapes("Gemm", c.shape, [m, n]);
  const attributes = { ...(transA ? { transA: attr.int(1) } : {}), ...(transB ? { transB: attr.int(1) } : {}) };
  return a.graph.node("Gemm", c ? [a, b, c] : [a, b], attributes, [{ shape: [m, n], elemType: a.elemType }])[0]!;
}

/**
 * Dense layer y = x·Wᵀ + b with W in the PyTorch/HF layout [out, in] and b [out].
 * x may have any leading dims ([..., in]); they are flattened around one Gemm.
 * Keep activations 2-D ([tokens, features]) between layers to avoid the Reshapes.
 */
export function linear(x: Sym, weight: Sym, bias?: Sym): Sym {
  const inFeatures = x.shape[x.rank - 1]!;
  const [outFeatures, weightIn] = weight.shape as [number, number];
  if (weight.rank !== 2 || weightIn !== inFeatures) bug(`linear: weight [${weight.shape}] does not take inputs [${x.shape}] (want [out, ${inFeatures}])`);
  if (x.rank === 1) return reshape(gemm(reshape(x, [1, inFeatures]), weight, bias, { transB: true }), [outFeatures]);
  const flat = x.rank === 2 ? x : reshape(x, [-1, inFeatures]);
  const y = gemm(flat, weight, bias, { transB: true });
  return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), outFeatures]);
}
