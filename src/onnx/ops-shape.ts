/**
 * Shape ops on static shapes: reshape, transpose, concat, slice, split, gather, expand.
 * Shapes are resolved here at build time, so every Sym keeps a known shape.
 */
import { broadcastShapes, reshapeRaw, sameShape } from "./broadcast.ts";
import { attr, type Sym } from "./graph.ts";
import { bug } from "../errors.ts";

function int64s(x: Sym, values: readonly number[]): Sym {
  return x.graph.constant(BigInt64Array.from(values.map(BigInt)), [values.length]);
}

function normaliseAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) bug(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Reshape; one dimension may be -1 (inferred). No-op when the shape is unchanged. */
export function reshape(x: Sym, shape: readonly number[]): Sym {
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const resolved = shape.map((d) => (d === -1 ? x.size / known : d));
  if (resolved.reduce((p, d) => p * d, 1) !== x.size || !resolved.every(Number.isInteger)) {
    bug(`reshape: [${x.shape.join(", ")}] cannot become [${shape.join(", ")}]`);
  }
  return reshapeRaw(x.graph, x, resolved);
}

/** Permute axes: output axis i is input axis perm[i]. */
export function transpose(x: Sym, perm: readonly number[]): Sym {
  if (perm.length !== x.rank) bug(`transpose: perm [${perm}] for rank ${x.rank}`);
  if (perm.every((p, i) => p === i)) return x;
  const shape = perm.map((p) => x.shape[p]!);
  return x.graph.node("Transpose", [x], { perm: attr.ints(perm) }, [{ shape, elemType: x.elemType }])[0]!;
}

/** Swap the last two axes (matrix transpose, batched). */
export function transposeLast2(x: Sym): Sym {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return transpose(x, perm);
}

/** Join tensors along `axis`. */
export function concat(parts: readonly Sym[], axis: number): Sym {
  const first = parts[0];
  if (!first) bug("concat: no inputs");
  const a = normaliseAxis(axis, first.rank, "concat");
  const shape = [...first.shape];
  shape[a] = parts.reduce((total, p) => total + p.shape[a]!, 0);
  return first.graph.node("Concat", parts, { axis: attr.int(a) }, [{ shape, elemType: first.elemType }])[0]!;
}

/** Unit-step slice [start, end) on each listed axis (negative indices count from the end). */
export function slice(x: Sym, starts: readonly number[], ends: readonly number[], axes: readonly number[]): Sym {
  const shape = [...x.shape];
  const normAxes = axes.map((a) => normaliseAxis(a, x.rank, "slice"));
  const normStarts: number[] = [];
  const normEnds: number[] = [];
  normAxes.forEach((a, i) => {
    const dim = x.shape[a]!;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
    const s = clamp(starts[i]!);
    const e = Math.max(clamp(ends[i]!), s);
    normStarts.push(s);
    normEnds.push(e);
    shape[a] = e - s;
  });
  return x.graph.node("Slice", [x, int64s(x, normStarts), int64s(x, normEnds), int64s(x, normAxes)], {}, [{ shape, elemType: x.elemType }])[0]!;
}

/** Split along `axis` into pieces of the given sizes (one node). */
export function split(x: Sym, sizes: readonly number[], axis: number): Sym[] {
  const a = normaliseAxis(axis, x.rank, "split");
  if (sizes.reduce((p, s) => p + s, 0) !== x.shape[a]) bug(`split: sizes [${sizes}] do not add up to ${x.shape[a]}`);
  const outputs = sizes.map((size) => {
    const shape = [...x.shape];
    shape[a] = size;
    return { shape, elemType: x.elemType };
  });
  return x.graph.node("Split", [x, int64s(x, sizes)], { axis: attr.int(a) }, outputs);
}

/** Rows of `table` picked by integer `indices` (embedding lookup): [...indices.shape, ...table.shape[1:]]. */
export function gather(table: Sym, indices: Sym): Sym {
  const shape = [...indices.shape, ...table.shape.slice(1)];
  return table.graph.node("Gather", [table, indices], { axis: attr.int(0) }, [{ shape, elemType: table.elemType }])[0]!;
}

/** Broadcast to a larger shape (numpy rules). */
export function expand(x: Sym, shape: readonly number[]): Sym {
  const out = broadcastShapes("expand", x.shape, shape);
  if (sameShape(out, x.shape)) return x;
  return x.graph.node("Expand", [x, int64s(x, shape)], {}, [{ shape: out, elemType: x.elemType }])[0]!;
}
