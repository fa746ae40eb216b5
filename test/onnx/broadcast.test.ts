import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { add, broadcastShapes, compileGraph, gradients, Graph, mul, reduceSum, unbroadcast } from "../../src/onnx/index.ts";

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

describe("unbroadcast through autodiff (property)", () => {
  /** A shape and a second shape that broadcasts against it (dims dropped from the front or set to 1). */
  const shapePair = fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 })
    .chain((full) =>
      fc.tuple(fc.constant(full), fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length })),
    )
    .map(([full, dropLeading, ones]) => ({ full, small: full.slice(dropLeading).map((d, i) => (ones[i + dropLeading] ? 1 : d)) }));

  test("d Σ w·(x + b) / db sums w over exactly the broadcast axes, for random shapes", async () => {
    await fc.assert(
      fc.asyncProperty(shapePair, async ({ full, small }) => {
        const g = new Graph();
        const x = g.input("x", "float64", full);
        const b = g.input("b", "float64", small);
        const size = full.reduce((p, d) => p * d, 1);
        const weights = Array.from({ length: size }, (_, i) => (i % 5) - 2);
        const [db] = gradients(reduceSum(mul(add(x, b), g.constant(Float64Array.from(weights), full))), [b]);
        g.output(db!, "db");
        const out = (await (await compileGraph(g)).run({ x: new Float64Array(size), b: new Float64Array(db!.size) })).db as Float64Array;
        // reference: fold each full index onto the small shape's index
        const expected = new Float64Array(db!.size);
        const lead = full.length - small.length;
        for (let flat = 0; flat < size; flat++) {
          let rest = flat;
          let target = 0;
          let stride = 1;
          for (let axis = full.length - 1; axis >= lead; axis--) {
            const coordinate = rest % full[axis]!;
            rest = Math.floor(rest / full[axis]!);
            const smallDim = small[axis - lead]!;
            target += (smallDim === 1 ? 0 : coordinate) * stride;
            stride *= smallDim;
          }
          expected[target]! += weights[flat]!;
        }
        expect(db!.shape).toEqual(small);
        expect(Array.from(out)).toEqual(Array.from(expected));
      }),
      { numRuns: 25, seed: 7 },
    );
  });
});
