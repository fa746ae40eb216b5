/**
 * Numpy broadcasting on static shapes, and its adjoint: `unbroadcast` sums a gradient
 * of the broadcast shape back down to an operand's shape (ReduceSum over the broadcast
 * axes, plus a Reshape only when the rank changes and keepdims cannot do it alone).
 */
import { attr, type Graph, type Sym } from "./graph.ts";
import { bug } from "../errors.ts";

/** The numpy broadcast of several shapes; throws naming the op when they are incompatible. */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = new Array(rank).fill(1);
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) {
      const axis = rank - shape.length + i;
      const dim = shape[i]!;
      const have = out[axis]!;
      if (dim === have || dim === 1) continue;
      if (have === 1) out[axis] = dim;
      else bug(`${op}: shapes ${shapes.map((s) => `[${s.join(", ")}]`).join(" and ")} do not broadcast`);
    }
  }
  return out;
}

/** Do two shapes hold the same dimensions? */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Sum `grad` (of a broadcast result) down to `shape`, the operand's own shape. */
export function unbroadcast(grad: Sym, shape: readonly number[]): Sym {
  if (sameShape(grad.shape, shape)) return grad;
  const g = grad.graph;
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  for (let axis = 0; axis < grad.rank; axis++) {
    if (axis < lead || (shape[axis - lead] === 1 && grad.shape[axis] !== 1)) axes.push(axis);
  }
  // Only leading axes to drop: one ReduceSum without keepdims does it all.
  const onlyLeading = axes.every((axis) => axis < lead) && axes.length === lead;
  const reduced = reduceSumRaw(g, grad, axes, onlyLeading ? 0 : 1);
  return sameShape(reduced.shape, shape) ? reduced : reshapeRaw(g, reduced, shape);
}

/** ReduceSum with axes as an input (opset ≥ 13); kept here so broadcast.ts has no op-file imports. */
export function reduceSumRaw(g: Graph, x: Sym, axes: readonly number[], keepdims: 0 | 1): Sym {
  if (axes.length === 0) return x;
  const shape = x.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]));
  const axesSym = g.constant(BigInt64Array.from(axes.map(BigInt)), [axes.length]);
  return g.node("ReduceSum", [x, axesSym], { keepdims: attr.int(keepdims) }, [{ shape, elemType: x.elemType }])[0]!;
}

/** Reshape to a static shape (no -1). */
export function reshapeRaw(g: Graph, x: Sym, shape: readonly number[]): Sym {
  if (sameShape(x.shape, shape)) return x;
  const shapeSym = g.constant(BigInt64Array.from(shape.map(BigInt)), [shape.length]);
  return g.node("Reshape", [x, shapeSym], {}, [{ shape, elemType: x.elemType }])[0]!;
}
