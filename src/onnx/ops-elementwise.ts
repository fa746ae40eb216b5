/**
 * Elementwise ops with numpy broadcasting. A plain number operand becomes a scalar
 * constant of the other operand's type. Composites (gelu, silu) are built from
 * primitives so autodiff needs no extra rules for them.
 */
import { broadcastShapes } from "./broadcast.ts";
import { attr, type ElemType, type Graph, ONNX_DATA_TYPE, type Sym } from "./graph.ts";
import { bug } from "../errors.ts";

/** A tensor, or a number meaning a scalar constant of the partner tensor's type. */
export type Operand = Sym | number;

function graphOf(...operands: Operand[]): { g: Graph; elemType: ElemType } {
  const sym = operands.find((o): o is Sym => typeof o !== "number");
  if (!sym) bug("elementwise op: at least one operand must be a tensor");
  return { g: sym.graph, elemType: sym.elemType };
}

function toSym(g: Graph, operand: Operand, elemType: ElemType): Sym {
  return typeof operand === "number" ? g.constant(operand, [], elemType) : operand;
}

/** A broadcasting binary op (Add, Sub, Mul, Div, Pow, …) with its output typed like `a`, or bool for comparisons. */
export function binary(opType: string, a: Operand, b: Operand, outType?: ElemType): Sym {
  const { g, elemType } = graphOf(a, b);
  const x = toSym(g, a, elemType);
  const y = toSym(g, b, elemType);
  const shape = broadcastShapes(opType, x.shape, y.shape);
  return g.node(opType, [x, y], {}, [{ shape, elemType: outType ?? x.elemType }])[0]!;
}

/** A unary op whose output has the input's shape and type. */
export function unary(opType: string, x: Sym): Sym {
  return x.graph.node(opType, [x], {}, [{ shape: x.shape, elemType: x.elemType }])[0]!;
}

/** a + b (broadcasting). */
export const add = (a: Operand, b: Operand): Sym => binary("Add", a, b);
/** a − b (broadcasting). */
export const sub = (a: Operand, b: Operand): Sym => binary("Sub", a, b);
/** a · b elementwise (broadcasting). */
export const mul = (a: Operand, b: Operand): Sym => binary("Mul", a, b);
/** a / b elementwise (broadcasting). */
export const div = (a: Operand, b: Operand): Sym => binary("Div", a, b);
/** x^exponent for a constant exponent (x ≥ 0 unless the exponent is an integer). */
export const pow = (x: Sym, exponent: number): Sym => binary("Pow", x, exponent);
/** a > b as bool (no gradient). */
export const greater = (a: Operand, b: Operand): Sym => binary("Greater", a, b, "bool");
/** a == b as bool (no gradient). */
export const equal = (a: Operand, b: Operand): Sym => binary("Equal", a, b, "bool");

/** −x. */
export const neg = (x: Sym): Sym => unary("Neg", x);
/** √x. */
export const sqrt = (x: Sym): Sym => unary("Sqrt", x);
/** 1/x. */
export const reciprocal = (x: Sym): Sym => unary("Reciprocal", x);
/** eˣ. */
export const exp = (x: Sym): Sym => unary("Exp", x);
/** Natural log. */
export const log = (x: Sym): Sym => unary("Log", x);
/** tanh x. */
export const tanh = (x: Sym): Sym => unary("Tanh", x);
/** Logistic sigmoid 1/(1+e⁻ˣ). */
export const sigmoid = (x: Sym): Sym => unary("Sigmoid", x);
/** Gauss error function (ORT CPU: float32 only). */
export const erf = (x: Sym): Sym => unary("Erf", x);
/** max(x, 0). */
export const relu = (x: Sym): Sym => unary("Relu", x);
/** Pass-through (useful to give a value a second name). */
export const identity = (x: Sym): Sym => unary("Identity", x);

/**
 * GELU. `"erf"` (default, exact, HF ViT "gelu"): x·½(1+erf(x/√2)) — needs float32 on ORT CPU.
 * `"tanh"` (GPT-2 "gelu_new"): x·σ(2·√(2/π)(x+0.044715x³)), written with Sigmoid
 * because ½(1+tanh z) = σ(2z); works in float64 too.
 */
export function gelu(x: Sym, form: "erf" | "tanh" = "erf"): Sym {
  if (form === "erf") return mul(x, add(mul(erf(mul(x, Math.SQRT1_2)), 0.5), 0.5));
  const inner = mul(x, add(mul(mul(x, x), 0.044715 * 2 * Math.sqrt(2 / Math.PI)), 2 * Math.sqrt(2 / Math.PI)));
  return mul(x, sigmoid(inner));
}

/** SiLU / swish: x·σ(x) (Llama MLP activation; ORT fuses it into one QuickGelu node in float32). */
export const silu = (x: Sym): Sym => mul(x, sigmoid(x));

/** Elementwise choice: condition ? a : b (broadcasting; condition is bool). */
export function where(condition: Sym, a: Operand, b: Operand): Sym {
  const { g, elemType } = graphOf(a, b);
  const x = toSym(g, a, elemType);
  const y = toSym(g, b, elemType);
  const shape = broadcastShapes("Where", condition.shape, x.shape, y.shape);
  return g.node("Where", [condition, x, y], {}, [{ shape, elemType }])[0]!;
}

/** Convert element type (gradient flows between float types only). */
export function cast(x: Sym, to: ElemType): Sym {
  if (x.elemType === to) return x;
  return x.graph.node("Cast", [x], { to: attr.int(ONNX_DATA_TYPE[to]) }, [{ shape: x.shape, elemType: to }])[0]!;
}

/** Sum of several tensors with broadcasting, in one node. */
export function sum(terms: readonly Sym[]): Sym {
  if (terms.length === 0) bug("sum: no terms");
  if (terms.length === 1) return terms[0]!;
  const first = terms[0]!;
  const shape = broadcastShapes("Sum", ...terms.map((t) => t.shape));
  return first.graph.node("Sum", terms, {}, [{ shape, elemType: first.elemType }])[0]!;
}
