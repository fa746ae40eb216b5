import { describe, expect, test } from "bun:test";
import * as o from "../../src/onnx/index.ts";
import { evaluate, maxAbsDiff } from "./evaluate.ts";
import { spread } from "./gradient-check.ts";

/** Naive attention on [batch·seq, dim] rows, heads split along features (the PyTorch/HF convention). */
function referenceAttention(q: number[], k: number[], v: number[], batch: number, seq: number, heads: number, dim: number, causal: boolean): number[] {
  const headDim = dim / heads;
  const out = new Array<number>(batch * seq * dim).fill(0);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < seq; i++) {
        const scores: number[] = [];
        for (let j = 0; j < seq; j++) {
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += q[(b * seq + i) * dim + h * headDim + d]! * k[(b * seq + j) * dim + h * headDim + d]!;
          scores.push(causal && j > i ? -Infinity : dot / Math.sqrt(headDim));
        }
        const top = Math.max(...scores);
        const weights = scores.map((s) => Math.exp(s - top));
        const total = weights.reduce((p, w) => p + w, 0);
        for (let j = 0; j < seq; j++) {
          for (let d = 0; d < headDim; d++) out[(b * seq + i) * dim + h * headDim + d]! += (weights[j]! / total) * v[(b * seq + j) * dim + h * headDim + d]!;
        }
      }
    }
  }
  return out;
}

describe("multiHeadAttention", () => {
  for (const causal of [false, true]) {
    test(`matches a naive reference (causal=${causal})`, async () => {
      const [batch, seq, heads, dim] = [2, 3, 2, 4];
      const q = spread(24, 1).map((x) => x * 2);
      const k = spread(24, 2).map((x) => x * 2);
      const v = spread(24, 3);
      const out = await evaluate({ q: { shape: [6, 4], values: q }, k: { shape: [6, 4], values: k }, v: { shape: [6, 4], values: v } }, ({ q, k, v }) => ({
        y: o.multiHeadAttention(q!, k!, v!, { batch, seq, heads, causal }),
      }));
      expect(out.y!.shape).toEqual([6, 4]);
      expect(maxAbsDiff(out.y!.values, referenceAttention(q, k, v, batch, seq, heads, dim, causal))).toBeLessThan(1e-12);
    });
  }
});

describe("normalisation", () => {
  const x = spread(8, 4).map((v, i) => v * (i + 1));
  const scale = [1.5, -0.5, 2, 0.25];
  const bias = [0.1, 0, -0.2, 0.3];
  test("layerNorm equals (x − mean)/√(var + eps)·scale + bias per row", async () => {
    const out = await evaluate(
      {
        x: { shape: [2, 4], values: x, elemType: "float32" },
        s: { shape: [4], values: scale, elemType: "float32" },
        b: { shape: [4], values: bias, elemType: "float32" },
      },
      ({ x, s, b }) => ({ y: o.layerNorm(x!, s!, b!, 1e-5) }),
    );
    const expected = [0, 1].flatMap((row) => {
      const r = x.slice(row * 4, row * 4 + 4);
      const mean = r.reduce((p, v) => p + v, 0) / 4;
      const variance = r.reduce((p, v) => p + (v - mean) ** 2, 0) / 4;
      return r.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * scale[i]! + bias[i]!);
    });
    expect(maxAbsDiff(out.y!.values, expected)).toBeLessThan(1e-5);
  });
  const rmsExpected = [0, 1].flatMap((row) => {
    const r = x.slice(row * 4, row * 4 + 4);
    const rms = Math.sqrt(r.reduce((p, v) => p + v * v, 0) / 4 + 1e-6);
    return r.map((v, i) => (v / rms) * scale[i]!);
  });
  test("rmsNorm equals x/√(mean(x²) + eps)·scale per row (float64, composed)", async () => {
    const out = await evaluate({ x: { shape: [2, 4], values: x }, s: { shape: [4], values: scale } }, ({ x, s }) => ({ y: o.rmsNorm(x!, s!, 1e-6) }));
    expect(maxAbsDiff(out.y!.values, rmsExpected)).toBeLessThan(1e-12);
  });
  test("rmsNorm equals the same formula in float32 (one SimplifiedLayerNormalization node)", async () => {
    const out = await evaluate({ x: { shape: [2, 4], values: x, elemType: "float32" }, s: { shape: [4], values: scale, elemType: "float32" } }, ({ x, s }) => ({
      y: o.rmsNorm(x!, s!, 1e-6),
    }));
    expect(maxAbsDiff(out.y!.values, rmsExpected)).toBeLessThan(1e-5);
  });
});

describe("activations and softmax", () => {
  const xs = [-3, -1.2, -0.5, 0, 0.3, 1, 2.5, 4];
  test("gelu (tanh form) equals ½x(1 + tanh(√(2/π)(x + 0.044715x³)))", async () => {
    const out = await evaluate({ x: { shape: [8], values: xs } }, ({ x }) => ({ y: o.gelu(x!, "tanh") }));
    const expected = xs.map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))));
    expect(maxAbsDiff(out.y!.values, expected)).toBeLessThan(1e-12);
  });
  test("gelu (erf form) is within 1e-3 of the tanh form and exact at 0", async () => {
    const out = await evaluate({ x: { shape: [8], values: xs, elemType: "float32" } }, ({ x }) => ({ erf: o.gelu(x!), tanh: o.gelu(x!, "tanh") }));
    expect(maxAbsDiff(out.erf!.values, out.tanh!.values)).toBeLessThan(1e-3);
    expect(out.erf!.values[3]).toBe(0);
  });
  test("silu equals x·σ(x)", async () => {
    const out = await evaluate({ x: { shape: [8], values: xs } }, ({ x }) => ({ y: o.silu(x!) }));
    expect(
      maxAbsDiff(
        out.y!.values,
        xs.map((x) => x / (1 + Math.exp(-x))),
      ),
    ).toBeLessThan(1e-12);
  });
  test("causal masked softmax gives zero weight to future keys and rows summing to 1", async () => {
    const out = await evaluate({ s: { shape: [3, 3], values: spread(9) } }, ({ s }) => ({ p: o.maskedSoftmax(s!, o.causalMask(s!, 3)) }));
    const p = out.p!.values;
    expect([p[1], p[2], p[5]]).toEqual([0, 0, 0]);
    for (let row = 0; row < 3; row++) expect(p[row * 3]! + p[row * 3 + 1]! + p[row * 3 + 2]!).toBeCloseTo(1, 12);
  });
});
