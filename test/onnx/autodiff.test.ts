import { describe, expect, test } from "bun:test";
import * as o from "../../src/onnx/index.ts";
import { BugError } from "../../src/errors.ts";

async function evaluate(g: o.Graph, feeds: Record<string, Float64Array>): Promise<Record<string, number[]>> {
  const out = await (await o.compileGraph(g)).run(feeds);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v as Float64Array)]));
}

describe("gradients", () => {
  test("throws naming the op when a rule is missing", () => {
    const g = new o.Graph();
    const x = g.input("x", "float64", [3]);
    const loss = o.reduceSum(o.unary("Abs", x));
    expect(() => o.gradients(loss, [x])).toThrow(BugError);
    expect(() => o.gradients(loss, [x])).toThrow(/no gradient rule for op Abs/);
  });

  test("ignores ops without rules that lie off the path from the parameters to the loss", () => {
    const g = new o.Graph();
    const x = g.input("x", "float64", [3]);
    const data = g.input("data", "float64", [3]);
    const loss = o.reduceSum(o.mul(x, o.unary("Abs", data))); // Abs depends only on data
    const [dx] = o.gradients(loss, [x]);
    expect(dx!.shape).toEqual([3]);
  });

  test("sums gradients where a tensor fans out: d/dx Σ(x·x + x + 3x) = 2x + 4", async () => {
    const g = new o.Graph();
    const x = g.input("x", "float64", [4]);
    const [dx] = o.gradients(o.reduceSum(o.add(o.add(o.mul(x, x), x), o.mul(x, 3))), [x]);
    g.output(dx!, "dx");
    const out = await evaluate(g, { x: Float64Array.from([-2, 0, 0.5, 3]) });
    expect(out.dx).toEqual([0, 4, 5, 10]);
  });

  test("unbroadcasts: a bias added to every row gets the column sums", async () => {
    const g = new o.Graph();
    const x = g.input("x", "float64", [3, 2]);
    const bias = g.input("bias", "float64", [2]);
    const scale = g.input("scale", "float64", [3, 1]);
    const [dBias, dScale] = o.gradients(o.reduceSum(o.mul(o.add(x, bias), scale)), [bias, scale]);
    expect(dBias!.shape).toEqual([2]);
    expect(dScale!.shape).toEqual([3, 1]);
    g.output(dBias!, "dBias");
    g.output(dScale!, "dScale");
    const out = await evaluate(g, {
      x: Float64Array.from([1, 2, 3, 4, 5, 6]),
      bias: Float64Array.from([10, -10]),
      scale: Float64Array.from([1, 0, -1]),
    });
    expect(out.dBias).toEqual([0, 0]); // Σ scale over rows = 1 + 0 − 1
    expect(out.dScale).toEqual([3, 7, 11]); // row sums of x + bias
  });

  test("parameters the loss does not reach get zero gradients", async () => {
    const g = new o.Graph();
    const x = g.input("x", "float64", [2]);
    const unused = g.input("unused", "float64", [2, 2]);
    const [, dUnused] = o.gradients(o.reduceSum(x), [x, unused]);
    g.output(dUnused!, "dUnused");
    const out = await evaluate(g, { x: new Float64Array(2), unused: Float64Array.from([1, 2, 3, 4]) });
    expect(out.dUnused).toEqual([0, 0, 0, 0]);
  });

  test("differentiates only toward the requested tensors (no nodes for data-only branches)", () => {
    const g = new o.Graph();
    const data = g.input("data", "float64", [4, 3]);
    const w = g.input("w", "float64", [2, 3]);
    const loss = o.reduceSum(o.linear(data, w));
    const before = g.nodes.length;
    o.gradients(loss, [w]);
    // seed-free: ReduceSum → Expand, Gemm → one Gemm for dW; nothing for d data
    expect(g.nodes.length - before).toBe(2);
  });

  test("rejects a loss with more than one element", () => {
    const g = new o.Graph();
    const x = g.input("x", "float64", [2]);
    expect(() => o.gradients(o.mul(x, 2), [x])).toThrow(/single element/);
  });

  test("rejects differentiating with respect to an integer value", () => {
    const g = new o.Graph();
    const table = g.input("table", "float64", [4, 2]);
    const ids = g.input("ids", "int64", [3]);
    expect(() => o.gradients(o.reduceSum(o.gather(table, ids)), [ids])).toThrow(/int64 value ids/);
  });
});
