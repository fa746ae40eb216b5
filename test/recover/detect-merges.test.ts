import { describe, expect, test } from "bun:test";
import { detectMerges, fitMerge, resolveMerges, type DetectedMerge } from "../../src/recover/detect-merges.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";

// Models as samples: 3 layers of 1024 f32-rounded values; fine-tunes move every weight by ~10 %.
const LAYERS = 3;
const SIZE = 1024;
type Model = Float64Array[];
let seed = 1;
const noise = (scale: number) => Array.from({ length: LAYERS }, () => makeGaussian(SIZE, seed++).map((v) => scale * v));
const rounded = (m: Model): Model => m.map((layer) => layer.map((v) => Math.fround(v)));
const plus = (m: Model, delta: Model): Model => rounded(m.map((layer, l) => layer.map((v, i) => v + delta[l]![i]!)));
const combine = (models: readonly Model[], weights: readonly number[]): Model =>
  rounded(models[0]!.map((_, l) => models[0]![l]!.map((_, i) => models.reduce((sum, m, j) => sum + weights[j]! * m[l]![i]!, 0))));

const base = rounded(noise(0.02));
const [a, b, c] = [plus(base, noise(0.002)), plus(base, noise(0.002)), plus(base, noise(0.002))];

/** Every model against every other (Euclidean on the samples), as recovery's D would order them. */
function distances(models: readonly Model[]): Float64Array {
  const k = models.length;
  return Float64Array.from({ length: k * k }, (_, at) => {
    const [i, j] = [Math.floor(at / k), at % k];
    return Math.sqrt(models[i]!.reduce((sum, layer, l) => sum + layer.reduce((s, v, x) => s + (v - models[j]![l]![x]!) ** 2, 0), 0));
  });
}

function merges(models: readonly Model[]): DetectedMerge[] {
  return detectMerges(models, distances(models));
}

/** Per layer, sin((1 − t)Ω)/sin Ω · x + sin(tΩ)/sin Ω · y, Ω the angle between the two layers. */
function slerp(x: Model, y: Model, t: number): Model {
  return rounded(
    x.map((xl, l) => {
      const yl = y[l]!;
      const dot = xl.reduce((s, v, i) => s + v * yl[i]!, 0);
      const norms = Math.sqrt(xl.reduce((s, v) => s + v * v, 0) * yl.reduce((s, v) => s + v * v, 0));
      const omega = Math.acos(dot / norms);
      return xl.map((v, i) => (Math.sin((1 - t) * omega) * v + Math.sin(t * omega) * yl[i]!) / Math.sin(omega));
    }),
  );
}

/** TIES over `parents` onto `origin`: keep each τ's largest `density` share, elect the sign, average the agreeing, scale by λ. */
function ties(origin: Model, parents: readonly Model[], density: number, lambda: number): Model {
  return rounded(
    origin.map((ol, l) => {
      const taus = parents.map((p) => {
        const tau = p[l]!.map((v, i) => v - ol[i]!);
        const cut = Float64Array.from(tau, Math.abs).sort()[Math.floor((1 - density) * SIZE)]!;
        return tau.map((v) => (Math.abs(v) >= cut ? v : 0));
      });
      return ol.map((v, i) => {
        const sign = Math.sign(taus.reduce((s, t) => s + t[i]!, 0));
        const agree = taus.map((t) => t[i]!).filter((x) => x !== 0 && Math.sign(x) === sign);
        return agree.length === 0 ? v : v + (lambda * agree.reduce((s, x) => s + x, 0)) / agree.length;
      });
    }),
  );
}

/** DARE-linear: drop each τ entry with probability p (a seeded mask), rescale the rest by w / (1 − p), add. */
function dare(origin: Model, parents: readonly Model[], p: number, w: number): Model {
  const masks = parents.map(() => noise(1));
  const threshold = p === 0.5 ? 0 : 1.2816; // the standard normal's 50 % and 90 % quantiles
  return rounded(
    origin.map((ol, l) => ol.map((v, i) => v + parents.reduce((s, m, j) => s + (masks[j]![l]![i]! > threshold ? (w * (m[l]![i]! - v)) / (1 - p) : 0), 0))),
  );
}

describe("merge detection (detect-merges.ts)", () => {
  test.each([
    ["linear ½ ½", () => combine([a, b], [0.5, 0.5]), [1, 2], [0.5, 0.5]],
    ["linear 0.3 / 0.7", () => combine([a, b], [0.3, 0.7]), [1, 2], [0.3, 0.7]],
    ["task arithmetic λ = 0.7", () => combine([base, a, b], [-0.4, 0.7, 0.7]), [1, 2], [0.7, 0.7]],
    ["task arithmetic of three, λ = 0.5", () => combine([base, a, b, c], [-0.5, 0.5, 0.5, 0.5]), [1, 2, 3], [0.5, 0.5, 0.5]],
  ] as const)("%s: the parents with positive weight, and the weights", (_, make, parents, weights) => {
    const found = merges([base, a, b, c, make()]);
    expect(found.map((m) => m.child)).toEqual([4]);
    const order = [...found[0]!.parents].map((p, i) => [p, found[0]!.coefficients[i]!] as const).sort((x, y) => x[0] - y[0]);
    expect(order.map(([p]) => p)).toEqual([...parents]);
    order.forEach(([, w], i) => expect(w).toBeCloseTo(weights[i]!, 5));
    expect(found[0]!.residual).toBeLessThan(1e-4);
  });

  test("SLERP: a combination of its two models per layer, coefficients summing to a little over 1", () => {
    const found = merges([base, a, b, c, slerp(a, b, 0.4)]);
    expect(found.map((m) => [m.child, [...m.parents].sort()])).toEqual([[4, [1, 2]]]);
    const sum = found[0]!.coefficients.reduce((s, w) => s + w, 0);
    expect(sum).toBeGreaterThan(1);
    expect(sum).toBeLessThan(1.01);
  });

  test.each([
    ["TIES density 0.5", () => ties(base, [a, b], 0.5, 1), [1, 2]],
    ["TIES density 0.2 of three", () => ties(base, [a, b, c], 0.2, 1), [1, 2, 3]],
    ["DARE p = 0.5", () => dare(base, [a, b], 0.5, 0.5), [1, 2]],
    ["DARE p = 0.9 (rescaled ×5)", () => dare(base, [a, b], 0.9, 0.5), [1, 2]],
  ] as const)("%s: found from the weights left at the base and the rest explained by the parents", (_, make, parents) => {
    const found = merges([base, a, b, c, make()]);
    expect(found.map((m) => [m.child, [...m.parents].sort()])).toEqual([[4, [...parents]]]);
  });

  test("ordinary fine-tunes, chains and a fine-tune of a merge are no merges", () => {
    const merged = combine([a, b], [0.5, 0.5]);
    const grandchild = plus(a, noise(0.002));
    const ofMerge = plus(merged, noise(0.002));
    const found = merges([base, a, b, c, grandchild, merged, ofMerge]);
    expect(found.map((m) => m.child)).toEqual([5]);
    // nothing at all without the merge
    expect(merges([base, a, b, c, grandchild, ofMerge])).toEqual([]);
  });

  test("a merge whose own short fine-tunes are nearer to it than its parents is still found (the greedy fit restarts past them)", () => {
    const merged = combine([a, b], [0.5, 0.5]);
    // Two short fine-tunes of the merge: each nearer to it (0.0005 per weight) than a or b (~0.0014).
    const [sft1, sft2] = [plus(merged, noise(0.0005)), plus(merged, noise(0.0005))];
    const found = merges([base, a, b, c, merged, sft1, sft2]);
    expect(found.map((m) => [m.child, [...m.parents].sort()])).toEqual([[4, [1, 2]]]);
    // Started from the nearest model only (as before), the fit misses it.
    const k = 7;
    const d = distances([base, a, b, c, merged, sft1, sft2]);
    const byDistance = [0, 1, 2, 3, 5, 6].sort((x, y) => d[4 * k + x]! - d[4 * k + y]!);
    expect(byDistance.slice(0, 2).sort()).toEqual([5, 6]);
    expect(fitMerge([base, a, b, c, merged, sft1, sft2], 4, byDistance)).toBeUndefined();
  });

  test("siblings sharing most of their drift (same data, other seeds) stay fine-tunes", () => {
    const drift = noise(0.002);
    const siblings = [0, 1, 2].map(() => plus(plus(base, drift), noise(0.001)));
    expect(merges([base, ...siblings])).toEqual([]);
  });

  test("a set of fewer than two candidates never fits a merge", () => {
    expect(fitMerge([base, a], 1, [0])).toBeUndefined();
  });

  test("one merge per linear relation: the member nearest a convex combination", () => {
    const relation = [0, 1, 2, 3];
    const candidate = (child: number, preference: number): DetectedMerge => ({
      child,
      parents: relation.filter((m) => m !== child),
      coefficients: [],
      residual: 0,
      fitSet: relation.filter((m) => m !== child),
      preference,
    });
    expect(resolveMerges([candidate(0, 3), candidate(3, 1.8), candidate(1, 6)]).map((m) => m.child)).toEqual([3]);
  });

  test("pruned relatives, which share most of their exact zeros, are no sparse merges of each other", () => {
    const prune = (m: Model): Model =>
      m.map((layer) => {
        const cut = Float64Array.from(layer, Math.abs).sort()[Math.floor(0.3 * layer.length)]!;
        return layer.map((v) => (Math.abs(v) < cut ? 0 : v));
      });
    // A chain of small steps, as fine-tunes move the weights: the small weights stay small, so the masks overlap.
    const chain = [base];
    for (let step = 0; step < 4; step++) chain.push(plus(chain[step]!, noise(0.004)));
    expect(merges([...chain, ...chain.map(prune)])).toEqual([]);
  });
});
