/**
 * The gradient table: for each ONNX op type, a rule mapping the node and the gradients
 * of its outputs to one gradient per input (undefined where not needed). Rules skip
 * work for inputs that need no gradient (`needs[i]` false) to keep the node count low.
 * Composites (gelu, silu, rmsNorm, mse, attention) need no entries: their primitives have them.
 */
import { reduceSumRaw, reshapeRaw, unbroadcast } from "./broadcast.ts";
import { attr, type Attribute, type Node, type Sym } from "./graph.ts";
import { cast, div, equal, exp, greater, mul, neg, pow, sub, where } from "./ops-elementwise.ts";
import { gemm, matmul } from "./ops-linear.ts";
import { reduceMean } from "./ops-reduce.ts";
import { concat, expand, reshape, split, transpose, transposeLast2 } from "./ops-shape.ts";
import { bug } from "../errors.ts";

/** What a rule sees: the forward node, d loss/d each output (undefined if none), which inputs need a gradient. */
export interface RuleContext {
  readonly node: Node;
  readonly outputGrads: readonly (Sym | undefined)[];
  readonly needs: readonly boolean[];
}

/** A gradient rule: one gradient (or undefined) per node input. */
export type GradientRule = (context: RuleContext) => (Sym | undefined)[];

function intAttr(node: Node, name: string, fallback: number): number {
  const a: Attribute | undefined = node.attributes[name];
  return a && a.type === "int" ? a.value : fallback;
}

function constantInts(sym: Sym | undefined, op: string): number[] {
  const data = sym ? sym.graph.constantValue(sym) : undefined;
  if (!data) bug(`${op} gradient: expected a constant ${sym?.name ?? "input"}`);
  return Array.from(data as ArrayLike<number | bigint>, Number);
}

function only(needs: readonly boolean[], i: number, make: () => Sym): Sym | undefined {
  return needs[i] ? make() : undefined;
}

/** The first output's gradient, which every single-output rule needs. */
function dy(context: RuleContext): Sym {
  return context.outputGrads[0]!;
}

/** Gradient of a reduction: bring dy back to the keepdims shape and broadcast over x. */
function spreadReduction(node: Node, grad: Sym): Sym {
  const x = node.inputs[0]!;
  const axes = node.inputs[1]
    ? constantInts(node.inputs[1], node.opType)
        .map((a) => (a < 0 ? a + x.rank : a))
        .sort((p, q) => p - q)
    : x.shape.map((_, i) => i);
  // Reduced leading axes need no Reshape: Expand broadcasts over missing leading dims.
  if (axes.every((a, i) => a === i)) return grad;
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return reshapeRaw(grad.graph, grad, kept);
}

function reducedCount(node: Node): number {
  const x = node.inputs[0]!;
  const y = node.outputs[0]!;
  return x.size / y.size;
}

export const GRADIENT_RULES: Readonly<Record<string, GradientRule>> = {
  Identity: (c) => [dy(c)],
  Add: (c) => {
    const [a, b] = c.node.inputs as [Sym, Sym];
    return [only(c.needs, 0, () => unbroadcast(dy(c), a.shape)), only(c.needs, 1, () => unbroadcast(dy(c), b.shape))];
  },
  Sub: (c) => {
    const [a, b] = c.node.inputs as [Sym, Sym];
    return [only(c.needs, 0, () => unbroadcast(dy(c), a.shape)), only(c.needs, 1, () => unbroadcast(neg(dy(c)), b.shape))];
  },
  Mul: (c) => {
    const [a, b] = c.node.inputs as [Sym, Sym];
    return [only(c.needs, 0, () => unbroadcast(mul(dy(c), b), a.shape)), only(c.needs, 1, () => unbroadcast(mul(dy(c), a), b.shape))];
  },
  Div: (c) => {
    const [a, b] = c.node.inputs as [Sym, Sym];
    const y = c.node.outputs[0]!;
    const dyOverB = div(dy(c), b);
    // d(a/b)/db = −a/b² = −y/b
    return [only(c.needs, 0, () => unbroadcast(dyOverB, a.shape)), only(c.needs, 1, () => unbroadcast(neg(mul(dyOverB, y)), b.shape))];
  },
  Sum: (c) => c.node.inputs.map((x, i) => only(c.needs, i, () => unbroadcast(dy(c), x.shape))),
  Pow: (c) => {
    const [x, e] = c.node.inputs as [Sym, Sym];
    if (c.needs[1]) bug("Pow gradient: the exponent must be a constant");
    const exponent = constantInts(e, "Pow")[0]!;
    const local = exponent === 2 ? mul(x, 2) : exponent === 1 ? undefined : mul(pow(x, exponent - 1), exponent);
    return [unbroadcast(local ? mul(dy(c), local) : dy(c), x.shape), undefined];
  },
  Neg: (c) => [neg(dy(c))],
  Sqrt: (c) => [div(mul(dy(c), 0.5), c.node.outputs[0]!)],
  Reciprocal: (c) => {
    const y = c.node.outputs[0]!;
    return [mul(dy(c), mul(mul(y, y), -1))];
  },
  Exp: (c) => [mul(dy(c), c.node.outputs[0]!)],
  Log: (c) => [div(dy(c), c.node.inputs[0]!)],
  Tanh: (c) => {
    const y = c.node.outputs[0]!;
    return [mul(dy(c), sub(1, mul(y, y)))];
  },
  Sigmoid: (c) => {
    const y = c.node.outputs[0]!;
    return [mul(dy(c), mul(y, sub(1, y)))];
  },
  Erf: (c) => {
    const x = c.node.inputs[0]!;
    return [mul(dy(c), mul(exp(mul(mul(x, x), -1)), 2 / Math.sqrt(Math.PI)))];
  },
  Relu: (c) => [where(greater(c.node.inputs[0]!, 0), dy(c), 0)],
  Cast: (c) => {
    const x = c.node.inputs[0]!;
    const grad = dy(c);
    return [cast(grad, x.elemType)];
  },
  Where: (c) => {
    const [condition, a, b] = c.node.inputs as [Sym, Sym, Sym];
    return [
      undefined,
      only(c.needs, 1, () => unbroadcast(where(condition, dy(c), 0), a.shape)),
      only(c.needs, 2, () => unbroadcast(where(condition, 0, dy(c)), b.shape)),
    ];
  },

  MatMul: (c) => {
    const [a, b] = c.node.inputs as [Sym, Sym];
    const grad = dy(c);
    if (a.rank === 2 && b.rank === 2) {
      return [only(c.needs, 0, () => gemm(grad, b, undefined, { transB: true })), only(c.needs, 1, () => gemm(a, grad, undefined, { transA: true }))];
    }
    const dA = only(c.needs, 0, () => unbroadcast(matmul(grad, transposeLast2(b)), a.shape));
    let dB: Sym | undefined;
    if (c.needs[1]) {
      if (b.rank === 2) {
        // x[..., M, K] @ W[K, N]: fold the batch into rows, one Gemm.
        const k = a.shape[a.rank - 1]!;
        const n = b.shape[1]!;
        dB = gemm(reshape(a, [-1, k]), reshape(grad, [-1, n]), undefined, { transA: true });
      } else {
        dB = unbroadcast(matmul(transposeLast2(a), grad), b.shape);
      }
    }
    return [dA, dB];
  },
  Gemm: (c) => {
    const [a, b, bias] = c.node.inputs as [Sym, Sym, Sym | undefined];
    const transA = intAttr(c.node, "transA", 0) === 1;
    const transB = intAttr(c.node, "transB", 0) === 1;
    const alpha = c.node.attributes.alpha;
    const beta = c.node.attributes.beta;
    if ((alpha && alpha.value !== 1) || (beta && beta.value !== 1)) bug("Gemm gradient: only alpha = beta = 1");
    const grad = dy(c);
    const dA = only(c.needs, 0, () => (transA ? gemm(b, grad, undefined, { transA: transB, transB: true }) : gemm(grad, b, undefined, { transB: !transB })));
    const dB = only(c.needs, 1, () => (transB ? gemm(grad, a, undefined, { transA: true, transB: transA }) : gemm(a, grad, undefined, { transA: !transA })));
    const dBias = bias ? only(c.needs, 2, () => unbroadcast(grad, bias.shape)) : undefined;
    return [dA, dB, dBias];
  },

  Reshape: (c) => [reshapeRaw(dy(c).graph, dy(c), c.node.inputs[0]!.shape), undefined],
  Transpose: (c) => {
    const perm = (c.node.attributes.perm?.value as readonly number[] | undefined) ?? c.node.inputs[0]!.shape.map((_, i, s) => s.length - 1 - i);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(dy(c), inverse)];
  },
  Concat: (c) => {
    const rank = c.node.outputs[0]!.rank;
    const axis = (intAttr(c.node, "axis", 0) + rank) % rank;
    const parts = split(
      dy(c),
      c.node.inputs.map((x) => x.shape[axis]!),
      axis,
    );
    return parts.map((p, i) => (c.needs[i] ? p : undefined));
  },
  Split: (c) => {
    const axis = intAttr(c.node, "axis", 0);
    const parts = c.node.outputs.map((o, i) => c.outputGrads[i] ?? o.graph.constant(0, o.shape, o.elemType));
    return [concat(parts, axis), undefined];
  },
  Slice: (c) => {
    const [x, startsSym, endsSym, axesSym, stepsSym] = c.node.inputs as [Sym, Sym, Sym, Sym | undefined, Sym | undefined];
    if (stepsSym && constantInts(stepsSym, "Slice").some((s) => s !== 1)) bug("Slice gradient: only unit steps");
    const starts = constantInts(startsSym, "Slice");
    const _ends = constantInts(endsSym, "Slice");
    const axes = axesSym ? constantInts(axesSym, "Slice") : starts.map((_, i) => i);
    const before = new Array<number>(x.rank).fill(0);
    const after = new Array<number>(x.rank).fill(0);
    axes.forEach((axis, i) => {
      const a = axis < 0 ? axis + x.rank : axis;
      const dim = x.shape[a]!;
      before[a] = Math.min(Math.max(starts[i]! < 0 ? starts[i]! + dim : starts[i]!, 0), dim);
      after[a] = dim - before[a]! - c.node.outputs[0]!.shape[a]!;
    });
    const g = x.graph;
    const pads = g.constant(BigInt64Array.from([...before, ...after].map(BigInt)), [2 * x.rank]);
    return [g.node("Pad", [dy(c), pads], { mode: attr.string("constant") }, [{ shape: x.shape, elemType: x.elemType }])[0]!];
  },
  Gather: (c) => {
    const [table, indices] = c.node.inputs as [Sym, Sym];
    if (intAttr(c.node, "axis", 0) !== 0) bug("Gather gradient: only axis 0 (embedding lookup)");
    const g = table.graph;
    const rows = indices.size;
    const rowShape = table.shape.slice(1);
    const zeros = g.constant(0, table.shape, table.elemType);
    const rowIndex = reshape(indices, [rows, 1]);
    const updates = reshape(dy(c), [rows, ...rowShape]);
    // ScatterND with reduction=add sums the rows of repeated indices.
    return [
      g.node("ScatterND", [zeros, rowIndex, updates], { reduction: attr.string("add") }, [{ shape: table.shape, elemType: table.elemType }])[0]!,
      undefined,
    ];
  },
  Expand: (c) => [unbroadcast(dy(c), c.node.inputs[0]!.shape), undefined],

  ReduceSum: (c) => [expand(spreadReduction(c.node, dy(c)), c.node.inputs[0]!.shape), undefined],
  ReduceMean: (c) => [expand(mul(spreadReduction(c.node, dy(c)), 1 / reducedCount(c.node)), c.node.inputs[0]!.shape), undefined],
  ReduceSumSquare: (c) => {
    const x = c.node.inputs[0]!;
    return [mul(x, mul(spreadReduction(c.node, dy(c)), 2)), undefined];
  },

  Softmax: (c) => {
    const y = c.node.outputs[0]!;
    const axis = intAttr(c.node, "axis", -1);
    const grad = dy(c);
    return [mul(y, sub(grad, reduceSumRaw(y.graph, mul(grad, y), [axis < 0 ? axis + y.rank : axis], 1)))];
  },
  LogSoftmax: (c) => {
    const y = c.node.outputs[0]!;
    const axis = intAttr(c.node, "axis", -1);
    const grad = dy(c);
    return [sub(grad, mul(exp(y), reduceSumRaw(y.graph, grad, [axis < 0 ? axis + y.rank : axis], 1)))];
  },
  LayerNormalization: (c) => {
    if (c.outputGrads[1] || c.outputGrads[2]) bug("LayerNormalization gradient: only through the normalised output");
    const [x, scale, bias] = c.node.inputs as [Sym, Sym, Sym | undefined];
    const [, meanStat, invStdStat] = c.node.outputs as [Sym, Sym, Sym];
    const mean = cast(meanStat, x.elemType);
    const invStd = cast(invStdStat, x.elemType);
    if (intAttr(c.node, "axis", -1) !== -1 && intAttr(c.node, "axis", -1) !== x.rank - 1) bug("LayerNormalization gradient: only the last axis");
    const grad = dy(c);
    const last = x.rank - 1;
    const normalised = mul(sub(x, mean), invStd);
    const dScale = only(c.needs, 1, () => unbroadcast(mul(grad, normalised), scale.shape));
    const dBias = bias ? only(c.needs, 2, () => unbroadcast(grad, bias.shape)) : undefined;
    const dx = only(c.needs, 0, () => {
      // dx = invStd · (dn − mean(dn) − n · mean(dn · n)), dn = dy · scale
      const dNormalised = mul(grad, scale);
      const meanD = reduceMean(dNormalised, [last], true);
      const meanDn = reduceMean(mul(dNormalised, normalised), [last], true);
      return mul(sub(sub(dNormalised, meanD), mul(normalised, meanDn)), invStd);
    });
    return [dx, dScale, dBias];
  },
  SimplifiedLayerNormalization: (c) => {
    if (c.outputGrads[1]) bug("SimplifiedLayerNormalization gradient: only through the normalised output");
    const [x, scale] = c.node.inputs as [Sym, Sym];
    if (intAttr(c.node, "axis", -1) !== -1 && intAttr(c.node, "axis", -1) !== x.rank - 1) bug("SimplifiedLayerNormalization gradient: only the last axis");
    const invRms = cast(c.node.outputs[1]!, x.elemType);
    const grad = dy(c);
    const normalised = mul(x, invRms);
    const dScale = only(c.needs, 1, () => unbroadcast(mul(grad, normalised), scale.shape));
    // dx = invRms · (dn − n · mean(dn · n)), dn = dy · scale
    const dx = only(c.needs, 0, () => {
      const dNormalised = mul(grad, scale);
      const meanDn = reduceMean(mul(dNormalised, normalised), [x.rank - 1], true);
      return mul(sub(dNormalised, mul(normalised, meanDn)), invRms);
    });
    return [dx, dScale];
  },
  NegativeLogLikelihoodLoss: (c) => {
    const [logProbs, labels] = c.node.inputs as [Sym, Sym];
    const reduction = c.node.attributes.reduction?.value ?? "mean";
    if (reduction !== "mean" || c.node.inputs.length > 2 || c.node.attributes.ignore_index)
      bug("NegativeLogLikelihoodLoss gradient: only mean reduction without weights");
    const [rows, classes] = logProbs.shape as [number, number];
    const g = logProbs.graph;
    const classIds = g.constant(
      BigInt64Array.from({ length: classes }, (_, i) => BigInt(i)),
      [classes],
    );
    const isLabel = equal(reshape(labels, [rows, 1]), classIds);
    return [where(isLabel, mul(dy(c), -1 / rows), 0), undefined];
  },
};

/** Op types that have a gradient rule (for reports and tests). */
export const DIFFERENTIABLE_OPS: readonly string[] = Object.keys(GRADIENT_RULES);
