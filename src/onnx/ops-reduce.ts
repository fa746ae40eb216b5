/** Reductions over listed axes (opset 18: axes are an input). */
import { attr, type Sym } from "./graph.ts";
import { bug } from "../errors.ts";

function reduce(opType: string, x: Sym, axes: readonly number[], keepdims: boolean): Sym {
  const norm = [...new Set(axes.map((a) => (a < 0 ? a + x.rank : a)))].sort((p, q) => p - q);
  if (norm.some((a) => a < 0 || a >= x.rank)) bug(`${opType}: axes [${axes}] out of range for rank ${x.rank}`);
  if (norm.length === 0) return x;
  const shape = x.shape.flatMap((d, i) => (norm.includes(i) ? (keepdims ? [1] : []) : [d]));
  const axesSym = x.graph.constant(BigInt64Array.from(norm.map(BigInt)), [norm.length]);
  return x.graph.node(opType, [x, axesSym], { keepdims: attr.int(keepdims ? 1 : 0) }, [{ shape, elemType: x.elemType }])[0]!;
}

/** Sum over `axes` (all axes when omitted). */
export function reduceSum(x: Sym, axes: readonly number[] = x.shape.map((_, i) => i), keepdims = false): Sym {
  return reduce("ReduceSum", x, axes, keepdims);
}

/** Mean over `axes` (all axes when omitted). */
export function reduceMean(x: Sym, axes: readonly number[] = x.shape.map((_, i) => i), keepdims = false): Sym {
  return reduce("ReduceMean", x, axes, keepdims);
}

/** Sum of squares over `axes` (one node; used for gradient norms). */
export function reduceSumSquare(x: Sym, axes: readonly number[] = x.shape.map((_, i) => i), keepdims = false): Sym {
  return reduce("ReduceSumSquare", x, axes, keepdims);
}
