import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { nativeKernels } from "../../src/kernels/native-kernels.ts";
import { MIN_UNCHANGED_SHARE, unchangedCount, unchangedShare } from "../../src/recover/detect-sparse-merges.ts";

const native = (await nativeKernels()).native;

/** The share as first written: every value of every layer compared, the smallest share over the layers that differ. */
function wholeShare(child: readonly Float64Array[], base: readonly Float64Array[]): number {
  let smallest = Infinity;
  for (let l = 0; l < child.length; l++) {
    let same = 0;
    for (let at = 0; at < child[l]!.length; at++) if (child[l]![at] === base[l]![at] && child[l]![at] !== 0) same++;
    if (same < child[l]!.length) smallest = Math.min(smallest, same / child[l]!.length);
    if (smallest < MIN_UNCHANGED_SHARE) break;
  }
  return smallest === Infinity ? 0 : smallest;
}

/** A child and a base of a few layers: each value of the child equal to the base's (a kept weight), moved, or an exact zero. */
const layerPair = fc
  .array(
    fc.record({
      size: fc.integer({ min: 1, max: 120 }),
      kept: fc.double({ min: 0, max: 1, noNaN: true }),
      zeros: fc.double({ min: 0, max: 0.2, noNaN: true }),
      seed: fc.integer(),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((layers) => {
    const child: Float64Array[] = [];
    const base: Float64Array[] = [];
    for (const { size, kept, zeros, seed } of layers) {
      let state = seed >>> 0 || 1;
      const uniform = () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 2 ** 32;
      };
      const b = Float64Array.from({ length: size }, () => (uniform() < zeros ? 0 : uniform() - 0.5));
      child.push(b.map((v) => (uniform() < kept ? v : v + 0.01 + uniform())));
      base.push(b);
    }
    return { child, base };
  });

/** Values drawn from a few, so that equal pairs, zeros of both signs and NaN meet. */
const specialValues = fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 1, -1, 0.5, 5e-324, 1e-300);

describe("unchangedShare", () => {
  test("the native count is the TypeScript one: equal, not zero (−0 neither), NaN equal to nothing; any length", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(specialValues, specialValues, fc.boolean()), { maxLength: 70 }), (values) => {
        const a = Float64Array.from(values, ([x]) => x);
        const b = Float64Array.from(values, ([x, y, same]) => (same ? x : y));
        const count = unchangedCount(a, b);
        let expected = 0;
        for (const [x, y, same] of values) if ((same || x === y) && x !== 0 && !Number.isNaN(x)) expected++;
        expect(count).toBe(expected);
        if (native && a.length > 0) expect(native.unchangedCount(a, b, a.length)).toBe(count);
        // A view into a larger array is read from its own start.
        if (native && a.length > 1)
          expect(native.unchangedCount(a.subarray(1), b.subarray(1), a.length - 1)).toBe(unchangedCount(a.subarray(1), b.subarray(1)));
      }),
      { numRuns: 3000 },
    );
  });

  test("with the native count or without, the smallest share over the layers that differ (one below the bar settles it)", () => {
    fc.assert(
      fc.property(layerPair, ({ child, base }) => {
        const whole = wholeShare(child, base);
        expect(unchangedShare(child, base, null)).toBe(whole);
        if (native) expect(unchangedShare(child, base, native)).toBe(whole);
      }),
      { numRuns: 3000 },
    );
  });

  test("at the bar itself: 5 of 100 values kept is not below it, 4 is; a layer equal to the base does not count", () => {
    const base = [Float64Array.from({ length: 100 }, (_, i) => i + 1)];
    const keep = (kept: readonly number[]) => [base[0]!.map((v, i) => (kept.includes(i) ? v : -v))];
    expect(unchangedShare(keep([95, 96, 97, 98, 99]), base)).toBe(0.05);
    expect(unchangedShare(keep([0, 1, 2, 3, 4]), base)).toBe(0.05);
    expect(unchangedShare(keep([96, 97, 98, 99]), base)).toBe(0.04);
    expect(unchangedShare([base[0]!, ...keep([10, 20, 30, 40, 50, 60])], [base[0]!, base[0]!])).toBe(0.06);
  });
});
