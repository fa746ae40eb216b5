import { describe, expect, test } from "bun:test";
import { broadcastShapes, Graph, unbroadcast } from "../../src/onnx/index.ts";

describe("broadcastShapes", () => {
  test("follows numpy rules", () => {
    expect(broadcastShapes("Add", [2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes("Add", [], [3])).toEqual([3]);
  });
  test("throws naming the op on incompatible shapes", () => {
    expect(() => broadcastShapes("Mul", [2, 3], [4])).toThrow(/Mul: shapes \[2, 3\] and \[4\] do not broadcast/);
  });
});

describe("unbroadcast", () => {
  test("drops leading axes with a single ReduceSum", () => {
    const g = new Graph();
    const grad = g.input("grad", "float32", [5, 2, 3]);
    const out = unbroadcast(grad, [3]);
    expect(out.shape).toEqual([3]);
    expect(g.nodes.map((n) => n.opType)).toEqual(["ReduceSum"]);
  });
  test("keeps size-1 axes and reshapes only when the rank changes", () => {
    const g = new Graph();
    const grad = g.input("grad", "float32", [5, 2, 3]);
    expect(unbroadcast(grad, [2, 1]).shape).toEqual([2, 1]);
    expect(g.nodes.map((n) => n.opType)).toEqual(["ReduceSum", "Reshape"]);
    expect(unbroadcast(grad, [5, 2, 3])).toBe(grad);
  });
});
