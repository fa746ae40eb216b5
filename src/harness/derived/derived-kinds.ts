/**
 * The kinds of derived copy people re-upload (quantised, half-precision, pruned), as
 * per-tensor transforms. Only 2-D matrices are transformed — the linear layers that
 * quantisers and pruners touch; every other tensor (biases, norms, embeddings of other
 * ranks) is copied with its values and dtype unchanged. Tensor names never change.
 */
import { choiceList } from "../choice-list.ts";
import type { Dtype } from "../../types.ts";
import type { TensorToWrite } from "../../io/write-safetensors.ts";
import { magnitudePrune } from "./magnitude-prune.ts";
import { affineQuantiseRows, symmetricQuantiseRows } from "./quantise-rows.ts";

export type DerivedKind = "int8" | "int4" | "fp16" | "prune30";

/** How one kind changes a 2-D matrix, and what it stores. */
export interface DerivedKindSpec {
  readonly name: DerivedKind;
  /** One line for tables and --help. */
  readonly about: string;
  /** Storage dtype of the transformed matrices. */
  readonly storedAs: Dtype;
  /** New values of a `rows × columns` row-major matrix (the writer rounds them to `storedAs`). */
  readonly transform: (values: Float32Array | Float64Array, columns: number) => Float32Array | Float64Array;
}

/** Every kind, in the order tables show them. */
export const DERIVED_KINDS: readonly DerivedKindSpec[] = [
  {
    name: "int8",
    about: "per-row symmetric int8 (s = max|row|/127), dequantised, F32",
    storedAs: "F32",
    transform: (v, c) => symmetricQuantiseRows(v, c, 127),
  },
  { name: "int4", about: "per-row 4-bit, 16 levels from row min to max, dequantised, F32", storedAs: "F32", transform: (v, c) => affineQuantiseRows(v, c, 16) },
  { name: "fp16", about: "matrices stored as F16 (round to nearest even), values otherwise unchanged", storedAs: "F16", transform: (v) => v },
  {
    name: "prune30",
    about: "30 % unstructured magnitude pruning per matrix (smallest |w| → 0), F32",
    storedAs: "F32",
    transform: (v) => magnitudePrune(v, 0.3),
  },
];

/** The spec of one kind. */
export function derivedKind(name: DerivedKind): DerivedKindSpec {
  return DERIVED_KINDS.find((k) => k.name === name)!;
}

/** `--kinds int8,prune30`: kinds in the order given, without repeats. */
export function parseDerivedKinds(value: string): DerivedKind[] {
  const names = DERIVED_KINDS.map((k) => k.name);
  return choiceList(value, "copy kind", names, (word) => names.find((name) => name === word));
}

/** The tensor as `kind` stores it: 2-D matrices transformed, everything else as it was. */
export function deriveTensor(kind: DerivedKind, tensor: TensorToWrite): TensorToWrite {
  if (tensor.shape.length !== 2) return tensor;
  const spec = derivedKind(kind);
  return { name: tensor.name, shape: tensor.shape, dtype: spec.storedAs, data: spec.transform(tensor.data, tensor.shape[1]!) };
}
