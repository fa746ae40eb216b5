/**
 * All parameters as ONE flat graph input, split into named views inside the graph.
 * Why: node count sets the step-time floor (SPEC §7). With a flat vector the gradient
 * arrives as one Concat and the optimizer is ~15 nodes in total instead of ~15 per tensor.
 * `packValues` / `unpackValues` move between the flat array and named tensors (checkpoints).
 */
import type { ElemType, Graph, Sym } from "./graph.ts";
import { reshape, split } from "./ops-shape.ts";
import { bug } from "../errors.ts";

/** One parameter tensor of a packed vector. */
export interface PackedParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** The flat input and its views (parallel to the specs), plus where each lives in the vector. */
export interface PackedParameters {
  /** The graph input holding every parameter, 1-D. */
  readonly flat: Sym;
  /** Views of `flat` with each spec's shape. */
  readonly params: Sym[];
  /** Start offset (elements) of each spec in `flat`. */
  readonly offsets: number[];
  /** Total element count. */
  readonly total: number;
}

/** Declare a flat parameter input named `name` and split it into shaped views (one Split + one Reshape per non-1-D tensor). */
export function packedParameters(graph: Graph, name: string, specs: readonly PackedParameterSpec[], elemType: ElemType = "float32"): PackedParameters {
  const sizes = specs.map((s) => s.shape.reduce((p, d) => p * d, 1));
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += size;
  }
  const flat = graph.input(name, elemType, [total]);
  const pieces = specs.length === 1 ? [flat] : split(flat, sizes, 0);
  const params = pieces.map((piece, i) => reshape(piece, specs[i]!.shape));
  return { flat, params, offsets, total };
}

/** Copy named tensors into one flat array in spec order (throws on a missing or wrongly sized tensor). */
export function packValues<T extends Float32Array | Float64Array>(specs: readonly PackedParameterSpec[], values: Readonly<Record<string, T>>, into: T): T {
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((p, d) => p * d, 1);
    const value = values[spec.name];
    if (!value || value.length !== size) bug(`packValues: ${spec.name} needs ${size} values, got ${value?.length ?? "none"}`);
    into.set(value, offset);
    offset += size;
  }
  if (offset !== into.length) bug(`packValues: specs hold ${offset} values, flat array has ${into.length}`);
  return into;
}

/** Views (no copy) of each named tensor inside a flat array, in spec order. */
export function unpackValues<T extends Float32Array | Float64Array>(specs: readonly PackedParameterSpec[], flat: T): Record<string, T> {
  const out: Record<string, T> = {};
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((p, d) => p * d, 1);
    out[spec.name] = flat.subarray(offset, offset + size) as T;
    offset += size;
  }
  if (offset !== flat.length) bug(`unpackValues: specs hold ${offset} values, flat array has ${flat.length}`);
  return out;
}

/** A constant 0/1 vector over a packed parameter vector: 1 where the owning tensor decays (for `OptimizerSettings.decayMask`). */
export function packedDecayMask(graph: Graph, specs: readonly PackedParameterSpec[], decays: readonly boolean[], elemType: ElemType = "float32"): Sym {
  const values: number[] = [];
  specs.forEach((spec, i) => {
    const size = spec.shape.reduce((p, d) => p * d, 1);
    for (let j = 0; j < size; j++) values.push(decays[i] ? 1 : 0);
  });
  return graph.constant(values, [values.length], elemType);
}
