import { describe, expect, test } from "bun:test";
import { INHERIT, lowRankResidual, offSide, residualSlope, slopeSide, topLeftBlock, type LayerBlock } from "../../src/direction/inherit-side.ts";
import { obtuseShadows } from "../../src/distance/obtuse-siblings.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { orientTree } from "../../src/direction/orient-tree.ts";
import { findPairRule } from "../../src/direction/registry.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { craftedGroup, craftedMembers } from "./crafted-group.ts";

/** A rows × cols matrix of rank `rank` (a sum of outer products of Gaussian vectors), row-major. */
function lowRank(rows: number, cols: number, rank: number, seed: number, scale = 1): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < rank; j++) {
    const u = makeGaussian(rows, seed + 2 * j);
    const v = makeGaussian(cols, seed + 2 * j + 1);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c]! += scale * u[r]! * v[c]!;
  }
  return out;
}

const add = (...xs: ArrayLike<number>[]) => Float64Array.from({ length: xs[0]!.length }, (_, at) => xs.reduce((sum, x) => sum + x[at]!, 0));
const scaled = (x: ArrayLike<number>, s: number) => Float64Array.from({ length: x.length }, (_, at) => s * x[at]!);
const dot = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from({ length: x.length }, (_, at) => x[at]! * y[at]!).reduce((a, b) => a + b, 0);

describe("lowRankResidual", () => {
  test("removes a rank-4 matrix entirely; with small noise added, leaves most of the noise and nothing of the matrix", () => {
    const rows = 40;
    const cols = 30;
    const a = lowRank(rows, cols, 4, 11, 5);
    const residual = lowRankResidual(a, rows, cols);
    expect(Math.sqrt(dot(residual, residual) / dot(a, a))).toBeLessThan(1e-6);
    // A rank-4 part plus small full-rank noise: the residual is the noise outside the rank-4 row space (26 of 30 columns' worth).
    const noise = scaled(makeGaussian(rows * cols, 99), 0.01);
    const both = lowRankResidual(add(a, noise), rows, cols);
    expect(dot(both, both) / dot(noise, noise)).toBeGreaterThan(0.6);
    expect(dot(both, both) / dot(noise, noise)).toBeLessThan(1);
    expect(Math.abs(dot(both, a)) / Math.sqrt(dot(both, both) * dot(a, a))).toBeLessThan(1e-6);
  });

  test("a matrix no wider than the rank leaves nothing; rank 0 leaves it whole", () => {
    const a = Float64Array.from(makeGaussian(12, 3));
    expect([...lowRankResidual(a, 3, 4)]).toEqual(new Array(12).fill(0));
    expect([...lowRankResidual(a, 3, 4, 0)]).toEqual([...a]);
  });
});

describe("topLeftBlock", () => {
  test("cuts the first rows and columns out of whole rows", () => {
    const cols = 200;
    const values = Float32Array.from({ length: 3 * cols }, (_, at) => at);
    const block = topLeftBlock([values], cols);
    expect([block.rows, block.cols]).toEqual([3, 128]);
    expect(block.values[0]![128 + 5]).toBe(cols + 5);
  });
});

describe("residualSlope: a child carries its parent's run in the detail, a correlated sibling does not", () => {
  /** g; p = g + a (a run: a rank-2 direction d plus its own full-rank detail); three layers. */
  function family() {
    const rows = 96;
    const cols = 96;
    return [0, 1, 2].map((l) => {
      const g = Float64Array.from(makeGaussian(rows * cols, 10 + l));
      const direction = lowRank(rows, cols, 2, 100 + 10 * l, 0.05);
      const detail = (seed: number) => scaled(makeGaussian(rows * cols, seed), 0.02);
      const p = add(g, direction, detail(200 + l));
      // A child of p: p plus a longer later run in other directions and its own detail.
      const child = add(p, lowRank(rows, cols, 2, 300 + 10 * l, 0.05), detail(400 + l));
      // A sibling of p from g: a long run along p's direction (slope ~1 over the whole update) with its own detail.
      const sibling = add(g, scaled(direction, 1), lowRank(rows, cols, 2, 500 + 10 * l, 0.05), detail(600 + l));
      return { rows, cols, values: [g, p, child, sibling].map((v) => Float32Array.from(v)) } satisfies LayerBlock;
    });
  }

  test("child: slope 1; sibling: the whole-update slope near 1 but the detail's far from it", () => {
    const blocks = family();
    expect(residualSlope(blocks, 0, 1, 2)).toBeCloseTo(1, 1);
    expect(offSide(blocks, 0, 1, 2)).toBe(false);
    // The whole update (direction + detail) is matched by the sibling's copy of the direction: slope ≈ |d|²/|a|² ≈ 1 overall.
    const whole = blocks.map((b) => {
      const a = b.values[1]!.map((v, at) => v - b.values[0]![at]!);
      const c = b.values[3]!.map((v, at) => v - b.values[0]![at]!);
      return [dot(c, a), dot(a, a)] as const;
    });
    expect(whole.reduce((s, [n]) => s + n, 0) / whole.reduce((s, [, d]) => s + d, 0)).toBeGreaterThan(0.8);
    expect(Math.abs(residualSlope(blocks, 0, 1, 3) - 1)).toBeGreaterThan(INHERIT.band);
    expect(offSide(blocks, 0, 1, 3)).toBe(true);
  });

  test("no difference between g and p: NaN, and the test does not fire", () => {
    const blocks = family().map((b) => ({ ...b, values: [b.values[0]!, b.values[0]!, b.values[2]!] }));
    expect(residualSlope(blocks, 0, 1, 2)).toBeNaN();
    expect(offSide(blocks, 0, 1, 2)).toBe(false);
    expect(slopeSide(blocks, 0, 1, 2)).toBe("within");
  });
});

describe("slopeSide: which side of the band, for --pair-offside", () => {
  /** g; a run r (a rank-2 direction plus its own detail); p = g + s·r for a given s, and x = g + r plus a later update of its own. */
  function points(s: number) {
    const rows = 96;
    const cols = 96;
    return [0, 1, 2].map((l) => {
      const g = Float64Array.from(makeGaussian(rows * cols, 20 + l));
      const run = add(lowRank(rows, cols, 2, 120 + 10 * l, 0.05), scaled(makeGaussian(rows * cols, 220 + l), 0.02));
      const x = add(g, run, lowRank(rows, cols, 2, 320 + 10 * l, 0.03), scaled(makeGaussian(rows * cols, 420 + l), 0.01));
      return { rows, cols, values: [g, add(g, scaled(run, s)), x].map((v) => Float32Array.from(v)) } satisfies LayerBlock;
    });
  }

  test("p a point on x's way from g (slope 1/0.6): over; x a child of p (slope 1): within; x a child that took 40 % of p's run back (0.6): under", () => {
    const over = points(0.6);
    expect(residualSlope(over, 0, 1, 2)).toBeCloseTo(1 / 0.6, 1);
    expect(slopeSide(over, 0, 1, 2)).toBe("over");
    expect(slopeSide(points(1), 0, 1, 2)).toBe("within");
    const under = points(1 / 0.6);
    expect(residualSlope(under, 0, 1, 2)).toBeCloseTo(0.6, 1);
    expect(slopeSide(under, 0, 1, 2)).toBe("under");
    // Both are off p's side for the two-sided test (--pair-inherit forbid).
    expect([offSide(over, 0, 1, 2), offSide(under, 0, 1, 2)]).toEqual([true, true]);
  });

  /** orientTree over g 0, p 1, x 2 with D preferring the chain 0 → 1 → 2, pair evidence 0 → 1 and 0 → 2, and the blocks `blocks`. */
  function orient(blocks: readonly LayerBlock[], pairOffside: "off" | "under" | "over") {
    const members = craftedMembers(3, "auto");
    const neutral = Array.from({ length: 3 }, () => ({}));
    return orientTree({
      group: craftedGroup(neutral, neutral),
      members,
      kept: members,
      distance: Float64Array.from([0, 0.3, 0.5, 0.3, 0, 0.2, 0.5, 0.2, 0]),
      choice: "ft",
      options: { ...DEFAULT_RECOVER_OPTIONS, pairDecay: "on", longEdge: "off", pairInherit: "off", pairOffside },
      forbidden: undefined,
      rankMask: undefined,
      rule: findPairRule("pair-tanh")!,
      pairLayers: { size: 3, layersOf: () => [], decayOf: (i) => (i === 0 ? 3 : 0), blocks },
    });
  }

  test("in orientTree each side forbids p → x on its own side only; off keeps the chain D prefers", () => {
    // p → x forbidden: the cheapest tree left goes through x (d(0, x) + d(x, p) = 0.7 < d(0, p) + d(0, x) = 0.8), no pair evidence against it.
    for (const [s, side] of [
      [0.6, "over"],
      [1 / 0.6, "under"],
    ] as const) {
      expect([...orient(points(s), "off").tree.parent]).toEqual([-1, 0, 1]);
      expect([...orient(points(s), side).tree.parent]).toEqual([-1, 2, 0]);
      expect([...orient(points(s), side === "over" ? "under" : "over").tree.parent]).toEqual([-1, 0, 1]);
    }
    expect([...orient(points(1), "under").tree.parent]).toEqual([-1, 0, 1]);
    expect([...orient(points(1), "over").tree.parent]).toEqual([-1, 0, 1]);
  });
});

describe("obtuseShadows with spare", () => {
  // m at the origin, a at distance 1, b at distance 2 on the other side: the angle at m is 180°, so m → b is ruled out.
  const d = Float64Array.from([0, 1, 3, 1, 0, 2, 3, 2, 0]);
  test("without spare the obtuse pair is ruled out; a spare that holds for its only reference keeps it", () => {
    expect(obtuseShadows(d, 3, true)[1 * 3 + 2]).toBe(1);
    expect(obtuseShadows(d, 3, true, undefined, () => false)[1 * 3 + 2]).toBe(1);
    const asked: number[][] = [];
    const spared = obtuseShadows(d, 3, true, undefined, (a, m, b) => {
      asked.push([a, m, b]);
      return true;
    });
    expect(spared[1 * 3 + 2]).toBe(0);
    expect(asked).toContainEqual([0, 1, 2]);
  });
});
