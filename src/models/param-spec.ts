/**
 * The vocabulary shared by every model family: a parameter is a named tensor with a
 * Hugging Face name, a shape, and a rule for its initial values.
 */

import type { Sym } from "../onnx/index.ts";

/** Resolves a parameter name to its graph value (LoRA wraps this to return W + (α/r)·B·A). */
export type ParamLookup = (name: string) => Sym;

/** How a parameter starts (Hugging Face `_init_weights` conventions). */
export type ParamInit =
  /** torch `trunc_normal_(std)` with torch's default absolute bounds ±2 (so ≈ normal for std 0.02). */
  | { readonly kind: "trunc-normal"; readonly std: number }
  /** torch `normal_(0, std)`. */
  | { readonly kind: "normal"; readonly std: number }
  /** Uniform on [−bound, bound] (peft's LoRA A: Kaiming-uniform with a=√5 ⇒ bound = 1/√fan_in). */
  | { readonly kind: "uniform"; readonly bound: number }
  | { readonly kind: "zeros" }
  | { readonly kind: "ones" };

/** One named parameter tensor, stored row-major (float32) in the torch layout. */
export interface ParamSpec {
  /** Hugging Face parameter name, e.g. `vit.encoder.layer.0.attention.attention.query.weight`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
}

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}
