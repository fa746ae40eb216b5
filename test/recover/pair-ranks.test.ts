import { describe, expect, test } from "bun:test";
import { rankInProcess, rankPairs } from "../../src/recover/pair-ranks.ts";
import { makeSketcher, sketchDifferenceRank } from "../../src/recover/low-rank-sketch.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";

/** A parent and children at known ranks (rank-r updates of the same 200×180 layer). */
function family(ranks: readonly number[]) {
  const rows = 200;
  const cols = 180;
  const sketcher = makeSketcher(rows, cols, 40);
  const parent = Float64Array.from(makeGaussian(rows * cols, 1), (x) => 0.02 * x);
  return [parent, ...ranks.map((rank, c) => {
    const child = parent.slice();
    const u = makeGaussian(rows * rank, 10 + c);
    const v = makeGaussian(rank * cols, 20 + c);
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) for (let t = 0; t < rank; t++) child[r * cols + k]! += 1e-3 * u[r * rank + t]! * v[t * cols + k]!;
    return child;
  })].map((weights) => sketcher.sketch(weights));
}

describe("rankPairs", () => {
  test("ranks every requested pair with the SIMD bidiagonalisation exactly as the TypeScript rank does", async () => {
    const sketches = family([2, 5, 9]);
    const pairs = Int32Array.of(0, 1, 0, 2, 0, 3, 1, 2, 2, 3, 3, 3);
    const ranks = await rankPairs({ sketches, pairs, epsilon: 1e-4 });
    expect([...ranks]).toEqual([2, 5, 9, 7, 14, 0]);
    for (let p = 0; p < ranks.length; p++) expect(ranks[p]).toBe(sketchDifferenceRank(sketches[pairs[2 * p]!]!, sketches[pairs[2 * p + 1]!]!, 1e-4));
  });

  test("the in-process runner keeps job order", async () => {
    const sketches = family([3, 6]);
    const out = await rankInProcess([
      { sketches, pairs: Int32Array.of(0, 2), epsilon: 1e-4 },
      { sketches, pairs: Int32Array.of(0, 1, 1, 2), epsilon: 1e-4 },
    ]);
    expect(out.map((r) => [...r])).toEqual([[6], [3, 9]]);
  });
});
