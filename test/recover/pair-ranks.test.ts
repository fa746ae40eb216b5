import { describe, expect, test } from "bun:test";
import { rankInProcess, rankPairs } from "../../src/recover/pair-ranks.ts";
import { makeSketcher, sketchDifferenceRank } from "../../src/recover/low-rank-sketch.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { decodeTensorBytes, encodeTensorValues } from "../../src/io/dtype.ts";
import type { Dtype } from "../../src/types.ts";

/** A parent and children at known ranks (rank-r updates of the same 200×180 layer). */
function family(ranks: readonly number[]) {
  const rows = 200;
  const cols = 180;
  const sketcher = makeSketcher(rows, cols, 40);
  const parent = Float64Array.from(makeGaussian(rows * cols, 1), (x) => 0.02 * x);
  return [
    parent,
    ...ranks.map((rank, c) => {
      const child = parent.slice();
      const u = makeGaussian(rows * rank, 10 + c);
      const v = makeGaussian(rank * cols, 20 + c);
      for (let r = 0; r < rows; r++)
        for (let k = 0; k < cols; k++) for (let t = 0; t < rank; t++) child[r * cols + k]! += 1e-3 * u[r * rank + t]! * v[t * cols + k]!;
      return child;
    }),
  ].map((weights) => sketcher.sketch(weights));
}

/** `base` + scale · B·A with B: rows×rank, A: rank×cols (a merged LoRA update). */
function lowRankUpdate(base: Float32Array, rows: number, cols: number, rank: number, seed: number, scale: number): Float32Array {
  const b = makeGaussian(rows * rank, seed);
  const a = makeGaussian(rank * cols, seed + 7);
  const out = Float32Array.from(base);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < rank; t++) {
      const u = scale * b[r * rank + t]!;
      for (let c = 0; c < cols; c++) out[r * cols + c]! += u * a[t * cols + c]!;
    }
  }
  return out;
}

describe("rankPairs", () => {
  test("ranks every requested pair with the SIMD bidiagonalisation exactly as the TypeScript rank does", async () => {
    const sketches = family([2, 5, 9]);
    const pairs = Int32Array.of(0, 1, 0, 2, 0, 3, 1, 2, 2, 3, 3, 3);
    const ranks = await rankPairs({ sketches, pairs, epsilon: 1e-4 });
    expect([...ranks]).toEqual([2, 5, 9, 7, 14, 0]);
    for (let p = 0; p < ranks.length; p++) expect(ranks[p]).toBe(sketchDifferenceRank(sketches[pairs[2 * p]!]!, sketches[pairs[2 * p + 1]!]!, 1e-4));
  });

  test("at the default sketch size, the narrow first look gives every pair the whole core's rank", async () => {
    // Children at ranks around the narrow look's cut-off (32), siblings up to 128, a dense
    // fine-tune, and the same family stored in bf16 with updates of a few rounding steps.
    const [rows, cols] = [400, 300];
    const ranks = [1, 4, 8, 16, 31, 32, 33, 40, 64];
    for (const [dtype, scale] of [
      ["F32", 2e-3],
      ["BF16", 4e-4],
    ] as [Dtype, number][]) {
      const store = (values: Float32Array) => (dtype === "F32" ? values : (decodeTensorBytes(encodeTensorValues(values, dtype), dtype).values as Float32Array));
      const parent = Float32Array.from(makeGaussian(rows * cols, 3), (x) => 0.02 * x);
      const noise = makeGaussian(rows * cols, 4);
      const models = [
        parent,
        ...ranks.map((rank, c) => lowRankUpdate(parent, rows, cols, rank, 40 + c, scale)),
        Float32Array.from(parent, (x, i) => x + scale * noise[i]!),
      ];
      const sketcher = makeSketcher(rows, cols);
      const sketches = models.map((weights) => sketcher.sketch(store(weights), dtype));
      expect(sketches[0]!.cols).toBeGreaterThanOrEqual(128); // the narrow look applies
      const pairs = Int32Array.from(models.flatMap((_, i) => models.flatMap((_, j) => (i < j ? [i, j] : []))));
      const got = await rankPairs({ sketches, pairs, epsilon: 1e-4 });
      const want = Array.from({ length: got.length }, (_, p) => sketchDifferenceRank(sketches[pairs[2 * p]!]!, sketches[pairs[2 * p + 1]!]!, 1e-4));
      expect([...got]).toEqual(want);
      expect([...got.subarray(0, ranks.length)]).toEqual(ranks); // parent → child
    }
  }, 30_000); // ~2 s alone; the default 5 s is too tight when 2 cores are shared by several test runs

  test("the in-process runner keeps job order", async () => {
    const sketches = family([3, 6]);
    const out = await rankInProcess([
      { sketches, pairs: Int32Array.of(0, 2), epsilon: 1e-4 },
      { sketches, pairs: Int32Array.of(0, 1, 1, 2), epsilon: 1e-4 },
    ]);
    expect(out.map((r) => [...r])).toEqual([[6], [3, 9]]);
  });
});
