/**
 * All parameters of one role (trainable, frozen) live in ONE flat float32 vector: the
 * train-step graph splits it into named tensors with a single Split node, and the
 * optimizer updates the whole vector in a handful of nodes instead of ~10 per tensor
 * (SPEC §7: node count sets the floor at these sizes). The layout maps names to ranges.
 */
import { elementCount } from "../models/param-spec.ts";
import type { NamedTensor } from "../models/init-params.ts";
import { packValues, unpackValues } from "../onnx/packed-parameters.ts";

/** Where each named tensor sits in the flat vector. */
export interface ParamLayout {
  readonly entries: readonly { readonly name: string; readonly shape: readonly number[]; readonly offset: number; readonly size: number }[];
  /** Total elements. */
  readonly size: number;
}

/** Layout of `tensors` in the given order, packed without gaps. */
export function paramLayout(tensors: readonly { name: string; shape: readonly number[] }[]): ParamLayout {
  let offset = 0;
  const entries = tensors.map(({ name, shape }) => {
    const size = elementCount(shape);
    const entry = { name, shape: [...shape], offset, size };
    offset += size;
    return entry;
  });
  return { entries, size: offset };
}

/** Copy named tensors into a new flat vector laid out by `layout` (every name must be present, at its size). */
export function packParams(layout: ParamLayout, tensors: readonly NamedTensor[]): Float32Array {
  return packValues(layout.entries, Object.fromEntries(tensors.map((tensor) => [tensor.name, tensor.data])), new Float32Array(layout.size));
}

/** Views (no copy) of each tensor inside `flat`. */
export function unpackParams(layout: ParamLayout, flat: Float32Array): NamedTensor[] {
  const views = unpackValues(layout.entries, flat);
  return layout.entries.map((entry) => ({ name: entry.name, shape: entry.shape, data: views[entry.name]! }));
}
