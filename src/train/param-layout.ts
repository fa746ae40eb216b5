/**
 * All parameters of one role (trainable, frozen) live in ONE flat float32 vector: the
 * train-step graph splits it into named tensors with a single Split node, and the
 * optimizer updates the whole vector in a handful of nodes instead of ~10 per tensor
 * (SPEC §7: node count sets the floor at these sizes). The layout maps names to ranges.
 */
import { elementCount } from "../models/param-spec.ts";
import type { NamedTensor } from "../models/init-params.ts";

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

/** Copy named tensors into a new flat vector laid out by `layout` (every name must be present). */
export function packParams(layout: ParamLayout, tensors: readonly NamedTensor[]): Float32Array {
  const byName = new Map(tensors.map((tensor) => [tensor.name, tensor]));
  const flat = new Float32Array(layout.size);
  for (const entry of layout.entries) {
    const tensor = byName.get(entry.name);
    if (!tensor) throw new Error(`packParams: missing tensor ${entry.name}`);
    if (tensor.data.length !== entry.size) throw new Error(`packParams: ${entry.name} has ${tensor.data.length} elements, layout wants ${entry.size}`);
    flat.set(tensor.data, entry.offset);
  }
  return flat;
}

/** Views (no copy) of each tensor inside `flat`. */
export function unpackParams(layout: ParamLayout, flat: Float32Array): NamedTensor[] {
  if (flat.length !== layout.size) throw new Error(`unpackParams: vector has ${flat.length} elements, layout wants ${layout.size}`);
  return layout.entries.map((entry) => ({ name: entry.name, shape: entry.shape, data: flat.subarray(entry.offset, entry.offset + entry.size) }));
}
