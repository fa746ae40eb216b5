import { describe, expect, test } from "bun:test";
import * as o from "../../src/onnx/index.ts";
import { evaluate } from "./evaluate.ts";

const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("shape ops", () => {
  test("reshape infers -1 and rejects impossible shapes", () => {
    const g = new o.Graph();
    const x = g.input("x", "float32", [2, 6]);
    expect(o.reshape(x, [3, -1]).shape).toEqual([3, 4]);
    expect(() => o.reshape(x, [5, -1])).toThrow(/cannot become/);
  });
  test("transpose, slice (negative start), split, concat and gather move the right elements", async () => {
    const out = await evaluate({ x: { shape: [2, 3], values: iota(6) }, ids: { shape: [3], values: [1, 1, 0], elemType: "int64" } }, ({ x, ids }) => ({
      t: o.transpose(x!, [1, 0]),
      s: o.slice(x!, [-2], [3], [1]),
      a: o.split(x!, [1, 2], 1)[1]!,
      c: o.concat([x!, x!], 0),
      gathered: o.gather(x!, ids!),
      e: o.expand(o.slice(x!, [0], [1], [0]), [2, 2, 3]),
    }));
    expect(out.t!.values).toEqual([0, 3, 1, 4, 2, 5]);
    expect(out.s!).toEqual({ shape: [2, 2], values: [1, 2, 4, 5] });
    expect(out.a!.values).toEqual([1, 2, 4, 5]);
    expect(out.c!.shape).toEqual([4, 3]);
    expect(out.gathered!).toEqual({ shape: [3, 3], values: [3, 4, 5, 3, 4, 5, 0, 1, 2] });
    expect(out.e!.values).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });
  test("split rejects sizes that do not add up", () => {
    const g = new o.Graph();
    expect(() => o.split(g.input("x", "float32", [4]), [1, 2], 0)).toThrow(/do not add up/);
  });
});
