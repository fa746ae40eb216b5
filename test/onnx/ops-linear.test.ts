import { describe, expect, test } from "bun:test";
import * as o from "../../src/onnx/index.ts";
import { evaluate, maxAbsDiff } from "./evaluate.ts";
import { spread } from "./gradient-check.ts";

describe("matrix products", () => {
  test("linear uses the HF layout: y[..., o] = Σᵢ x[..., i]·W[o, i] + b[o], for 3-D inputs", async () => {
    const x = spread(12, 1);
    const w = spread(6, 2);
    const b = [0.5, -1];
    const out = await evaluate({ x: { shape: [2, 2, 3], values: x }, w: { shape: [2, 3], values: w }, b: { shape: [2], values: b } }, ({ x, w, b }) => ({
      y: o.linear(x!, w!, b!),
    }));
    const expected = [0, 1, 2, 3].flatMap((row) => [0, 1].map((j) => b[j]! + [0, 1, 2].reduce((s, i) => s + x[row * 3 + i]! * w[j * 3 + i]!, 0)));
    expect(out.y!.shape).toEqual([2, 2, 2]);
    expect(maxAbsDiff(out.y!.values, expected)).toBeLessThan(1e-12);
  });
  test("matmul broadcasts batch dimensions", async () => {
    const a = spread(12, 3);
    const bm = spread(6, 4);
    const out = await evaluate({ a: { shape: [2, 2, 3], values: a }, b: { shape: [1, 3, 2], values: bm } }, ({ a, b }) => ({ y: o.matmul(a!, b!) }));
    const expected = [0, 1, 2, 3].flatMap((row) => [0, 1].map((j) => [0, 1, 2].reduce((s, k) => s + a[row * 3 + k]! * bm[k * 2 + j]!, 0)));
    expect(out.y!.shape).toEqual([2, 2, 2]);
    expect(maxAbsDiff(out.y!.values, expected)).toBeLessThan(1e-12);
  });
  test("shape errors name the op and the shapes", () => {
    const g = new o.Graph();
    const x = g.input("x", "float32", [4, 3]);
    expect(() => o.matmul(x, g.input("w", "float32", [4, 2]))).toThrow(/matmul: inner dimensions differ/);
    expect(() => o.linear(x, g.input("w2", "float32", [3, 2]))).toThrow(/want \[out, 3\]/);
  });
});
