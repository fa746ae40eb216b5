import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { MIN_UNCHANGED_SHARE, unchangedShare } from "../../src/recover/detect-sparse-merges.ts";

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

describe("unchangedShare", () => {
  test("is the whole comparison's share when that reaches the bar, and below the bar exactly when it is", () => {
    fc.assert(
      fc.property(layerPair, ({ child, base }) => {
        const whole = wholeShare(child, base);
        const early = unchangedShare(child, base);
        expect(early < MIN_UNCHANGED_SHARE).toBe(whole < MIN_UNCHANGED_SHARE);
        if (whole >= MIN_UNCHANGED_SHARE) expect(early).toBe(whole);
      }),
      { numRuns: 3000 },
    );
  });

  test("at the bar itself: 5 of 100 values kept, the last five or the first five, is not below it; 4 is", () => {
    const base = [Float64Array.from({ length: 100 }, (_, i) => i + 1)];
    const keep = (kept: readonly number[]) => [base[0]!.map((v, i) => (kept.includes(i) ? v : -v))];
    expect(unchangedShare(keep([95, 96, 97, 98, 99]), base)).toBe(0.05);
    expect(unchangedShare(keep([0, 1, 2, 3, 4]), base)).toBe(0.05);
    expect(unchangedShare(keep([96, 97, 98, 99]), base)).toBeLessThan(MIN_UNCHANGED_SHARE);
    // A layer equal to the base does not count; the next one decides.
    expect(unchangedShare([base[0]!, ...keep([10, 20, 30, 40, 50, 60])], [base[0]!, base[0]!])).toBe(0.06);
  });
});
