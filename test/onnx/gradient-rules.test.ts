/**
 * A finite-difference check for every rule in GRADIENT_RULES, through onnxruntime.
 * float64 where ORT CPU has a double kernel (tolerance rtol 1e-6, atol 1e-8, step 1e-6);
 * float32 with loose tolerances (rtol 1e-2, atol 2e-3, step 1e-2) for Erf (float-only
 * kernel), LayerNormalization and SimplifiedLayerNormalization (ORT keeps their statistics
 * in float32 even for doubles).
 * Inputs include 0 and negatives except where the op's domain excludes them.
 */
import { describe, expect, test } from "bun:test";
import * as o from "../../src/onnx/index.ts";
import type { Sym } from "../../src/onnx/index.ts";
import { checkGradients, type CheckedInput, type CheckOptions, positive, spread } from "./gradient-check.ts";

interface Case {
  /** Op type(s) whose rule this exercises. */
  readonly ops: readonly string[];
  readonly name: string;
  readonly inputs: readonly CheckedInput[];
  readonly build: (xs: Sym[], g: o.Graph) => Sym;
  readonly options?: CheckOptions;
}

const f32: CheckOptions = { elemType: "float32" };
const int64 = (g: o.Graph, values: number[]): Sym => g.constant(BigInt64Array.from(values.map(BigInt)), [values.length]);

const CASES: Case[] = [
  { ops: ["Identity"], name: "identity", inputs: [{ shape: [5] }], build: ([a]) => o.identity(a!) },
  { ops: ["Add"], name: "add, second operand broadcast over rows", inputs: [{ shape: [2, 3] }, { shape: [3] }], build: ([a, b]) => o.add(a!, b!) },
  { ops: ["Add"], name: "add, both operands broadcast", inputs: [{ shape: [2, 1, 3] }, { shape: [4, 1] }], build: ([a, b]) => o.add(a!, b!) },
  { ops: ["Sub"], name: "sub, first operand broadcast", inputs: [{ shape: [1, 3] }, { shape: [2, 3] }], build: ([a, b]) => o.sub(a!, b!) },
  { ops: ["Mul"], name: "mul, keepdims-style broadcast", inputs: [{ shape: [2, 3] }, { shape: [2, 1] }], build: ([a, b]) => o.mul(a!, b!) },
  {
    ops: ["Div"],
    name: "div by a broadcast positive denominator",
    inputs: [{ shape: [2, 3] }, { shape: [3], values: positive(3) }],
    build: ([a, b]) => o.div(a!, b!),
  },
  {
    ops: ["Div"],
    name: "div with negative denominators",
    inputs: [{ shape: [4] }, { shape: [4], values: [-1.5, -0.7, 0.9, 2] }],
    build: ([a, b]) => o.div(a!, b!),
  },
  { ops: ["Sum"], name: "variadic sum with broadcasting", inputs: [{ shape: [2, 3] }, { shape: [3] }, { shape: [2, 1] }], build: (xs) => o.sum(xs) },
  { ops: ["Pow"], name: "cube", inputs: [{ shape: [6] }], build: ([a]) => o.pow(a!, 3) },
  { ops: ["Pow"], name: "square", inputs: [{ shape: [6] }], build: ([a]) => o.pow(a!, 2) },
  { ops: ["Pow"], name: "fractional power of positives", inputs: [{ shape: [5], values: positive(5) }], build: ([a]) => o.pow(a!, 1.5) },
  { ops: ["Neg"], name: "neg", inputs: [{ shape: [5] }], build: ([a]) => o.neg(a!) },
  { ops: ["Sqrt"], name: "sqrt of positives", inputs: [{ shape: [5], values: positive(5) }], build: ([a]) => o.sqrt(a!) },
  { ops: ["Reciprocal"], name: "reciprocal away from 0", inputs: [{ shape: [4], values: [-2, -0.6, 0.5, 1.7] }], build: ([a]) => o.reciprocal(a!) },
  { ops: ["Exp"], name: "exp", inputs: [{ shape: [6] }], build: ([a]) => o.exp(a!) },
  { ops: ["Log"], name: "log of positives", inputs: [{ shape: [5], values: positive(5) }], build: ([a]) => o.log(a!) },
  { ops: ["Tanh"], name: "tanh", inputs: [{ shape: [6] }], build: ([a]) => o.tanh(a!) },
  { ops: ["Sigmoid"], name: "sigmoid", inputs: [{ shape: [6] }], build: ([a]) => o.sigmoid(a!) },
  { ops: ["Erf"], name: "erf (float32)", inputs: [{ shape: [6] }], build: ([a]) => o.erf(a!), options: f32 },
  // Relu's kink: finite differences at exactly 0 see slope ½; the rule uses 0 (PyTorch's choice), checked separately below.
  { ops: ["Relu"], name: "relu away from the kink", inputs: [{ shape: [6], values: [-1.1, -0.3, -0.01, 0.02, 0.4, 1.3] }], build: ([a]) => o.relu(a!) },
  {
    ops: ["Cast"],
    name: "cast float32 → float64 → float32",
    inputs: [{ shape: [4] }],
    build: ([a]) => o.cast(o.mul(o.cast(a!, "float64"), 3), "float32"),
    options: f32,
  },
  {
    ops: ["Where"],
    name: "where with a broadcast condition",
    inputs: [{ shape: [2, 3] }, { shape: [3] }],
    build: ([a, b], g) => o.where(g.constant([1, 0, 1, 0, 0, 1], [2, 3], "bool"), a!, b!),
  },
  { ops: ["MatMul"], name: "matmul 2-D", inputs: [{ shape: [3, 4] }, { shape: [4, 2] }], build: ([a, b]) => o.matmul(a!, b!) },
  { ops: ["MatMul"], name: "matmul batched @ 2-D", inputs: [{ shape: [2, 3, 4] }, { shape: [4, 2] }], build: ([a, b]) => o.matmul(a!, b!) },
  { ops: ["MatMul"], name: "matmul batched @ batched", inputs: [{ shape: [2, 2, 3] }, { shape: [2, 3, 2] }], build: ([a, b]) => o.matmul(a!, b!) },
  { ops: ["MatMul"], name: "matmul with a broadcast batch dim", inputs: [{ shape: [2, 2, 3] }, { shape: [1, 3, 2] }], build: ([a, b]) => o.matmul(a!, b!) },
  ...[false, true].flatMap((transA) =>
    [false, true].map(
      (transB): Case => ({
        ops: ["Gemm"],
        name: `gemm transA=${transA} transB=${transB} with a row bias`,
        inputs: [{ shape: transA ? [4, 3] : [3, 4] }, { shape: transB ? [2, 4] : [4, 2] }, { shape: [2] }],
        build: ([a, b, c]) => o.gemm(a!, b!, c!, { transA, transB }),
      }),
    ),
  ),
  {
    ops: ["Gemm"],
    name: "gemm with a column bias",
    inputs: [{ shape: [3, 4] }, { shape: [4, 2] }, { shape: [3, 1] }],
    build: ([a, b, c]) => o.gemm(a!, b!, c!),
  },
  {
    ops: ["Gemm", "Reshape"],
    name: "linear on a 3-D input (HF weight layout)",
    inputs: [{ shape: [2, 2, 3] }, { shape: [4, 3] }, { shape: [4] }],
    build: ([x, w, b]) => o.linear(x!, w!, b!),
  },
  { ops: ["Reshape"], name: "reshape", inputs: [{ shape: [2, 3] }], build: ([a]) => o.mul(o.reshape(a!, [3, 2]), o.reshape(a!, [3, -1])) },
  { ops: ["Transpose"], name: "transpose rank 3", inputs: [{ shape: [2, 3, 2] }], build: ([a]) => o.transpose(a!, [2, 0, 1]) },
  { ops: ["Concat"], name: "concat along axis 1", inputs: [{ shape: [2, 1] }, { shape: [2, 3] }], build: ([a, b]) => o.concat([a!, b!], 1) },
  { ops: ["Slice"], name: "slice with a negative start", inputs: [{ shape: [3, 4] }], build: ([a]) => o.slice(a!, [1, -3], [3, 4], [0, 1]) },
  {
    ops: ["Split"],
    name: "split with an unused piece",
    inputs: [{ shape: [2, 5] }],
    build: ([a]) => o.mul(o.split(a!, [1, 2, 2], 1)[2]!, o.split(a!, [3, 2], 1)[1]!),
  },
  {
    ops: ["Gather"],
    name: "embedding lookup with repeated rows",
    inputs: [{ shape: [4, 3] }],
    build: ([t], g) => o.gather(t!, g.constant(BigInt64Array.from([2n, 0n, 2n, 3n, 2n, 1n]), [2, 3])),
  },
  { ops: ["Expand"], name: "expand", inputs: [{ shape: [1, 3] }], build: ([a]) => o.expand(a!, [2, 2, 3]) },
  { ops: ["ReduceSum"], name: "reduceSum over axis 1", inputs: [{ shape: [2, 3, 2] }], build: ([a]) => o.reduceSum(a!, [1]) },
  { ops: ["ReduceSum"], name: "reduceSum keepdims", inputs: [{ shape: [2, 3] }], build: ([a]) => o.reduceSum(a!, [0], true) },
  { ops: ["ReduceMean"], name: "reduceMean over two axes", inputs: [{ shape: [2, 3, 2] }], build: ([a]) => o.reduceMean(a!, [0, 2]) },
  { ops: ["ReduceSumSquare"], name: "reduceSumSquare", inputs: [{ shape: [2, 3] }], build: ([a]) => o.reduceSumSquare(a!, [1], true) },
  { ops: ["Softmax"], name: "softmax, last axis", inputs: [{ shape: [2, 4] }], build: ([a]) => o.softmax(a!) },
  { ops: ["Softmax"], name: "softmax, first axis", inputs: [{ shape: [3, 2] }], build: ([a]) => o.softmax(a!, 0) },
  { ops: ["LogSoftmax"], name: "logSoftmax", inputs: [{ shape: [2, 4] }], build: ([a]) => o.logSoftmax(a!) },
  {
    ops: ["LayerNormalization"],
    name: "layerNorm (float32)",
    inputs: [{ shape: [3, 4] }, { shape: [4] }, { shape: [4] }],
    build: ([x, s, b]) => o.layerNorm(x!, s!, b!),
    options: f32,
  },
  {
    ops: ["SimplifiedLayerNormalization"],
    name: "rmsNorm (float32: one SimplifiedLayerNormalization node)",
    inputs: [{ shape: [3, 4] }, { shape: [4] }],
    build: ([x, s]) => o.rmsNorm(x!, s!),
    options: f32,
  },
  {
    ops: ["NegativeLogLikelihoodLoss", "LogSoftmax"],
    name: "crossEntropy",
    inputs: [{ shape: [4, 3] }],
    build: ([logits], g) => o.crossEntropy(logits!, int64(g, [0, 2, 2, 1])),
  },
];

/** Composites: no rules of their own, checked to make sure their primitives compose. */
const COMPOSITES: Case[] = [
  { ops: [], name: "gelu, erf form (float32)", inputs: [{ shape: [6] }], build: ([a]) => o.gelu(a!), options: f32 },
  { ops: [], name: "gelu, tanh form", inputs: [{ shape: [6] }], build: ([a]) => o.gelu(a!, "tanh") },
  { ops: [], name: "silu", inputs: [{ shape: [6] }], build: ([a]) => o.silu(a!) },
  { ops: [], name: "silu (float32, where ORT may fuse it)", inputs: [{ shape: [6] }], build: ([a]) => o.silu(a!), options: f32 },
  { ops: [], name: "rmsNorm (float64: composed)", inputs: [{ shape: [2, 4] }, { shape: [4] }], build: ([x, s]) => o.rmsNorm(x!, s!) },
  { ops: [], name: "mse", inputs: [{ shape: [2, 3] }, { shape: [2, 3], values: spread(6, 3) }], build: ([a, b]) => o.mse(a!, b!) },
  {
    ops: [],
    name: "causal multi-head attention",
    inputs: [{ shape: [6, 4] }, { shape: [6, 4], values: spread(24, 1) }, { shape: [6, 4], values: spread(24, 2) }],
    build: ([q, k, v]) => o.multiHeadAttention(q!, k!, v!, { batch: 2, seq: 3, heads: 2, causal: true }),
  },
];

describe("every gradient rule matches central finite differences through onnxruntime", () => {
  for (const c of [...CASES, ...COMPOSITES]) {
    test(`${c.name}${c.ops.length ? ` [${c.ops.join(", ")}]` : " [composite]"}`, async () => {
      const result = await checkGradients(c.build, c.inputs, c.options);
      if (result.worstExcess > 0) throw new Error(`gradient mismatch, ${result.where}`);
      expect(result.worstExcess).toBeLessThanOrEqual(0);
    });
  }

  test("every rule in the table is exercised by some case", () => {
    const covered = new Set(CASES.flatMap((c) => c.ops));
    expect(o.DIFFERENTIABLE_OPS.filter((op) => !covered.has(op))).toEqual([]);
  });

  test("relu's gradient at exactly 0 is 0 (subgradient choice)", async () => {
    const g = new o.Graph();
    const x = g.input("x", "float64", [3]);
    const [dx] = o.gradients(o.reduceSum(o.relu(x)), [x]);
    g.output(dx!, "dx");
    const out = await (await o.compileGraph(g)).run({ x: Float64Array.from([-1, 0, 1]) });
    expect(Array.from(out.dx as Float64Array)).toEqual([0, 0, 1]);
  });
});
