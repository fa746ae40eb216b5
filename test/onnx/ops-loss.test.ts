import { describe, expect, test } from "bun:test";
import * as o from "../../src/onnx/index.ts";
import { evaluate } from "./evaluate.ts";
import { spread } from "./gradient-check.ts";

describe("losses", () => {
  test("crossEntropy equals the mean of −log softmax at the label", async () => {
    const logits = spread(12).map((v) => v * 3);
    const labels = [2, 0, 1];
    const out = await evaluate(
      { logits: { shape: [3, 4], values: logits }, labels: { shape: [3], values: labels, elemType: "int64" } },
      ({ logits, labels }) => ({ loss: o.crossEntropy(logits!, labels!) }),
    );
    const expected =
      labels.reduce((total, label, row) => {
        const r = logits.slice(row * 4, row * 4 + 4);
        const logSum = Math.log(r.reduce((p, v) => p + Math.exp(v), 0));
        return total + logSum - r[label]!;
      }, 0) / 3;
    expect(out.loss!.shape).toEqual([]);
    expect(out.loss!.values[0]).toBeCloseTo(expected, 12);
  });
  test("crossEntropy rejects non-int64 labels and mismatched rows", () => {
    const g = new o.Graph();
    const logits = g.input("logits", "float32", [3, 4]);
    expect(() => o.crossEntropy(logits, g.input("l32", "int32", [3]))).toThrow(/int64/);
    expect(() => o.crossEntropy(logits, g.input("l2", "int64", [2]))).toThrow(/labels \[N\]/);
  });
  test("mse is the mean squared difference", async () => {
    const out = await evaluate({ a: { shape: [2, 2], values: [1, -2, 0, 3] }, b: { shape: [2, 2], values: [0, 0, 0.5, 1] } }, ({ a, b }) => ({
      loss: o.mse(a!, b!),
    }));
    expect(out.loss!.values[0]).toBeCloseTo((1 + 4 + 0.25 + 4) / 4, 12);
  });
});
