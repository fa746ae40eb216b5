import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { fitMerge, greedySearchFits, mayBeLinearMerge, MERGE_CANDIDATES, SCREEN_SEARCH } from "../../src/recover/detect-merges.ts";
import { SCREEN_SLACK } from "../../src/recover/detect-merges-screen.ts";
import { MergeScreen } from "../../src/recover/detect-merges-screen.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { nativeKernels, type NativeKernels } from "../../src/kernels/native-kernels.ts";

// Samples as in detect-merges.test.ts: f32-rounded layers, fine-tunes move every weight by ~10 %.
const LAYERS = 3;
const SIZE = 256;
type Model = Float64Array[];
const rounded = (m: Model): Model => m.map((layer) => layer.map((v) => Math.fround(v)));
const noise = (scale: number, seed: number): Model => Array.from({ length: LAYERS }, (_, l) => makeGaussian(SIZE, seed * 7 + l).map((v) => scale * v));
const plus = (m: Model, delta: Model): Model => rounded(m.map((layer, l) => layer.map((v, i) => v + delta[l]![i]!)));
const combine = (models: readonly Model[], weights: readonly number[]): Model =>
  rounded(models[0]!.map((_, l) => models[0]![l]!.map((_, i) => models.reduce((sum, m, j) => sum + weights[j]! * m[l]![i]!, 0))));

/** A random tree of fine-tunes, plus merges: linear (convex weights) and task arithmetic (base + Σ λ τ). */
function collection(seed: number, fineTunes: number, linear: number, arithmetic: number): Model[] {
  let next = seed * 1000;
  const models: Model[] = [rounded(noise(0.02, next++))];
  for (let m = 1; m < fineTunes; m++) models.push(plus(models[(m * 7919 + seed) % m]!, noise(0.002, next++)));
  for (let m = 0; m < linear; m++) {
    const [x, y] = [models[1 + ((m + seed) % (fineTunes - 1))]!, models[1 + ((m * 3 + seed + 1) % (fineTunes - 1))]!];
    const alpha = 0.2 + (0.6 * ((m * 37 + seed) % 10)) / 10;
    if (x !== y) models.push(combine([x, y], [alpha, 1 - alpha]));
  }
  for (let m = 0; m < arithmetic; m++) {
    const [x, y] = [models[1 + ((m * 5 + seed) % (fineTunes - 1))]!, models[1 + ((m * 11 + seed + 2) % (fineTunes - 1))]!];
    const lambda = 0.5 + ((m + seed) % 5) / 10;
    if (x !== y) models.push(combine([models[0]!, x, y], [1 - 2 * lambda, lambda, lambda]));
  }
  return models;
}

/** Random collections' sizes as the property tests draw them (collection's arguments after the seed). */
const collectionArgs = [
  fc.integer({ min: 1, max: 10_000 }),
  fc.integer({ min: 4, max: 12 }),
  fc.integer({ min: 0, max: 3 }),
  fc.integer({ min: 0, max: 2 }),
] as const;

/** ‖a − b‖² over every layer. */
const squaredDistance = (a: Model, b: Model): number => a.reduce((sum, layer, l) => sum + layer.reduce((s, v, x) => s + (v - b[l]![x]!) ** 2, 0), 0);

function candidatesOf(models: readonly Model[], child: number): number[] {
  return models
    .map((_, p) => p)
    .filter((p) => p !== child)
    .sort((a, b) => squaredDistance(models[child]!, models[a]!) - squaredDistance(models[child]!, models[b]!))
    .slice(0, MERGE_CANDIDATES);
}

// The shared products natively (merge-products.c) where this machine has them, and in TypeScript.
const native = (await nativeKernels()).native;
// null: TypeScript (undefined would take the default, this thread's native kernels once loaded).
const engines: [string, NativeKernels | null][] = [["TypeScript", null], ...(native ? [["native", native] as [string, NativeKernels]] : [])];

describe.each(engines)("MergeScreen (%s products)", (_, engine) => {
  test("never rejects a child the full search finds a merge for, on random trees with linear and task-arithmetic merges", () => {
    fc.assert(
      fc.property(...collectionArgs, (seed, n, linear, arithmetic) => {
        const models = collection(seed, n, linear, arithmetic);
        const screen = new MergeScreen(models, engine);
        for (let child = 0; child < models.length; child++) {
          const candidates = candidatesOf(models, child);
          if (fitMerge(models, child, candidates)) expect(mayBeLinearMerge(screen, child, candidates)).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  });

  test("rejects most fine-tunes of a random tree, and passes the crafted merges the full search finds", () => {
    const models = collection(3, 20, 3, 2);
    const screen = new MergeScreen(models, engine);
    const passed = models.map((_, child) => mayBeLinearMerge(screen, child, candidatesOf(models, child)));
    const found = models.map((_, child) => fitMerge(models, child, candidatesOf(models, child)) !== undefined);
    expect(found.slice(20).filter(Boolean).length).toBeGreaterThanOrEqual(3);
    found.forEach((merge, child) => {
      if (merge) expect(passed[child]).toBe(true);
    });
    expect(passed.slice(0, 20).filter(Boolean).length).toBeLessThan(10);
  });
});

describe.skipIf(native === undefined)("MergeScreen products", () => {
  // 17 models (odd: the tiles' last row alone; a partial tile of columns) and 20 (whole tiles of two rows by four columns).
  test.each([
    [5, 14],
    [6, 17],
  ])("computed at once natively, they are the TypeScript products to 1e-12 of their scale, whatever the samples' layout (seed %d)", (seed, fineTunes) => {
    const models = collection(seed, fineTunes, 2, 1);
    const total = models[0]!.reduce((sum, layer) => sum + layer.length, 0);
    // The layout merge-samples.ts gives: one array, model after model, layer after layer.
    const joined = new Float64Array(models.length * total);
    const viewed = models.map((layers, i) => {
      let at = i * total;
      return layers.map((layer) => {
        joined.set(layer, at);
        at += layer.length;
        return joined.subarray(at - layer.length, at);
      });
    });
    const reference = new MergeScreen(models, null);
    for (const screen of [new MergeScreen(models, native), new MergeScreen(viewed, native)]) {
      for (let i = 0; i < models.length; i++) {
        for (const [l, value] of reference.offset(i).entries())
          expect(Math.abs(screen.offset(i)[l]! - value)).toBeLessThanOrEqual(1e-12 * Math.abs(value) + 1e-300);
        for (let j = 0; j < models.length; j++) {
          const [got, expected] = [screen.pair(i, j), reference.pair(i, j)];
          for (const [l, value] of expected.entries())
            expect(Math.abs(got[l]! - value)).toBeLessThanOrEqual(1e-12 * Math.sqrt(reference.pair(i, i)[l]! * reference.pair(j, j)[l]!) + 1e-300);
        }
      }
      screen.release();
    }
    reference.release();
  });
});

describe.skipIf(native === undefined)("MergeScreen native search", () => {
  test("answers as the TypeScript greedy search on the same products, or leaves it undecided only when the uncomputed bar is read", () => {
    let decided = 0;
    let asked = 0;
    fc.assert(
      fc.property(...collectionArgs, fc.constantFrom(SCREEN_SLACK, 0), (seed, n, linear, arithmetic, slack) => {
        const models = collection(seed, n, linear, arithmetic);
        const screen = new MergeScreen(models, native);
        for (let child = 0; child < models.length; child++) {
          const candidates = candidatesOf(models, child);
          for (let start = 0; start < 3 && start < candidates.length - 1; start++) {
            const from = candidates.slice(start);
            // No bar, a bar at some model's distance, or one not computed yet.
            const nearest = squaredDistance(models[child]!, models[candidates[0]!]!);
            const bar = start === 0 ? Number.POSITIVE_INFINITY : Math.sqrt(nearest);
            for (const known of [true, false]) {
              const verdict = screen.fits(child, from, slack, known ? bar : undefined, SCREEN_SEARCH);
              const reference = greedySearchFits(screen.layers(child, from), slack, known ? bar : () => bar);
              asked++;
              if (verdict === undefined) {
                expect(known).toBe(false);
                continue;
              }
              decided++;
              expect(verdict).toBe(reference);
            }
          }
        }
        screen.release();
      }),
      { numRuns: 40 },
    );
    expect(decided).toBeGreaterThan(asked / 2);
  });

  test("every child's first start not rejected, in one call, is the one fits() finds start after start", () => {
    let passing = 0;
    fc.assert(
      fc.property(...collectionArgs, fc.constantFrom(SCREEN_SLACK, 0), (seed, n, linear, arithmetic, slack) => {
        const models = collection(seed, n, linear, arithmetic);
        const screen = new MergeScreen(models, native);
        // Every child but the root, some with fewer candidates than the rest (a short list ends the starts early).
        const children = Array.from({ length: models.length - 1 }, (_, i) => i + 1);
        const candidates = children.map((child) => candidatesOf(models, child).slice(0, 2 + (child % 9)));
        const first = screen.firstStarts(children, candidates, 3, slack, SCREEN_SEARCH)!;
        for (const [q, child] of children.entries()) {
          let start = 0;
          for (; start < 3 && start < candidates[q]!.length - 1; start++) {
            const verdict = screen.fits(child, candidates[q]!.slice(start), slack, start === 0 ? Number.POSITIVE_INFINITY : undefined, SCREEN_SEARCH);
            if (verdict !== false) break;
          }
          expect(first[q]).toBe(start);
          if (start < 3 && start < candidates[q]!.length - 1) passing++;
        }
        screen.release();
      }),
      { numRuns: 40 },
    );
    expect(passing).toBeGreaterThan(0);
  });

  test("on a tree too large for every product at once, the search on gathered products answers as the TypeScript one", () => {
    // Past EAGER_MODELS (64) the products are computed as asked for and gathered per child.
    const models = collection(7, 68, 3, 2);
    const screen = new MergeScreen(models, native);
    let decided = 0;
    for (let child = 60; child < models.length; child++) {
      const candidates = candidatesOf(models, child);
      for (const slack of [SCREEN_SLACK, 0]) {
        const verdict = screen.fits(child, candidates, slack, Number.POSITIVE_INFINITY, SCREEN_SEARCH);
        expect(verdict).toBe(greedySearchFits(screen.layers(child, candidates), slack, Number.POSITIVE_INFINITY));
        if (verdict) decided++;
      }
    }
    screen.release();
    expect(decided).toBeGreaterThan(0);
  });
});
