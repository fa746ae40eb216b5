import { describe, expect, test } from "bun:test";
import { decayVotes, decayZ, notReproducingParents, RESCALE_TOLERANCE, REPRODUCTION_Z, reproduction } from "../../src/direction/decay-signature.ts";
import { decodeTensorBytes, encodeTensorValues } from "../../src/io/dtype.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";

const COLS = 64;

/** Values as stored in bf16 and read back (round to nearest even). */
function bf16(values: Float64Array): Float32Array {
  return Float32Array.from(decodeTensorBytes(encodeTensorValues(values, "BF16"), "BF16").values);
}

/**
 * A parent embedding (rows × COLS) and a child whose first `rescaled` rows are c · the parent's
 * (no gradient, weight decay) and the rest moved by a random update of relative size `step`.
 */
function pair(rows: number, rescaled: number, c: number, step: number, seed: number): { parent: Float64Array; child: Float64Array } {
  const parent = makeGaussian(rows * COLS, seed).map((v) => 0.02 * v);
  const update = makeGaussian(rows * COLS, seed + 1);
  const child = parent.map((v, i) => (Math.floor(i / COLS) < rescaled ? c * v : v + step * 0.02 * update[i]!));
  return { parent, child };
}

describe("decayVotes", () => {
  test("counts rescaled rows as shrinking parent → child and growing the other way round (f32)", () => {
    const { parent, child } = pair(50, 30, 0.95, 0.1, 1);
    expect(decayVotes(parent, child, COLS, "F32")).toEqual({ shrink: 30, grow: 0 });
    expect(decayVotes(child, parent, COLS, "F32")).toEqual({ shrink: 0, grow: 30 });
  });

  test("identical rows and rows changed in a random direction give no vote", () => {
    const { parent, child } = pair(40, 0, 1, 0.05, 3);
    expect(decayVotes(parent, parent, COLS, "F32")).toEqual({ shrink: 0, grow: 0 });
    expect(decayVotes(parent, child, COLS, "F32")).toEqual({ shrink: 0, grow: 0 });
  });

  test("a rescale stored in bf16 still counts when it is well beyond bf16's rounding, and a tiny one gives no vote", () => {
    const strong = pair(30, 30, 0.9, 0, 5);
    expect(decayVotes(bf16(strong.parent), bf16(strong.child), COLS, "BF16")).toEqual({ shrink: 30, grow: 0 });
    // c = 0.999 moves each value by less than a bf16 step: indistinguishable from rounding.
    const tiny = pair(30, 30, 0.999, 0, 7);
    expect(decayVotes(bf16(tiny.parent), bf16(tiny.child), COLS, "BF16")).toEqual({ shrink: 0, grow: 0 });
  });

  test("a change mostly along the row but with a residual above the tolerance is not a rescale", () => {
    const parent = makeGaussian(COLS, 9).map((v) => 0.02 * v);
    const noise = makeGaussian(COLS, 10);
    // Residual share of the change ≈ 0.1² / (0.1² + 0.05²·…): well above RESCALE_TOLERANCE.
    const child = parent.map((v, i) => 0.9 * v + 0.1 * 0.02 * noise[i]!);
    expect(RESCALE_TOLERANCE).toBeLessThan(0.05);
    expect(decayVotes(parent, child, COLS, "F32")).toEqual({ shrink: 0, grow: 0 });
  });
});

describe("decayZ", () => {
  test("is the sign test's z, 0 without votes", () => {
    expect(decayZ({ shrink: 16, grow: 0 })).toBe(4);
    expect(decayZ({ shrink: 5, grow: 20 })).toBe(-3);
    expect(decayZ({ shrink: 0, grow: 0 })).toBe(0);
  });
});

describe("reproduction and notReproducingParents", () => {
  test("a child's decayed rows are round(c · its parent's stored rows) exactly; a sibling's rows, rescaled and rounded on their own, reproduce fewer", () => {
    const rows = 40;
    const base = bf16(makeGaussian(rows * COLS, 21).map((v) => 0.02 * v));
    // The sibling (c 0.97) and the child (c 0.8) each start from the base's stored bf16 weights.
    const sibling = bf16(Float64Array.from(base, (v) => 0.97 * v));
    const child = bf16(Float64Array.from(base, (v) => 0.8 * v));
    const fromBase = reproduction(base, child, COLS, "BF16");
    const fromSibling = reproduction(sibling, child, COLS, "BF16");
    expect(fromBase.elements).toBe(rows * COLS);
    expect(fromBase.exact / fromBase.elements).toBeGreaterThan(0.9);
    expect(fromSibling.exact / fromSibling.elements).toBeLessThan(fromBase.exact / fromBase.elements - 0.05);
    // Models 0 base, 1 sibling, 2 child: sibling → child is ruled out, base → child is not; growth (child → base) has no rows.
    const models = [base, sibling, child];
    const out = notReproducingParents(3, (p, c) => reproduction(models[p]!, models[c]!, COLS, "BF16"));
    expect(out[1 * 3 + 2]).toBe(1);
    expect(out[0 * 3 + 2]).toBe(0);
    expect(out[2 * 3 + 0]).toBe(0);
    expect(REPRODUCTION_Z).toBeGreaterThan(3);
  });
});
