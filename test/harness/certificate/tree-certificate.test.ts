import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { orientTree, type DirectionMember } from "../../../src/direction/orient-tree.ts";
import type { ScoredLayers } from "../../../src/direction/statistic-rule.ts";
import { certifyArborescence, certifyTree, type DistanceBox } from "../../../src/harness/certificate/tree-certificate.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../../src/recover/options.ts";
import { makeGaussian, makeUniform } from "../../../src/recover/seeded-random.ts";
import { layerStats } from "../../../src/stats/layer-stats.ts";

const options = DEFAULT_RECOVER_OPTIONS;
const DIM = 400;

/**
 * A random recursive tree of k models (vectors), each child its parent plus Gaussian noise of
 * its own scale — from 0.02 to 1 of the root's, so that siblings and parents can be close calls —
 * with the kurtosis-style statistics of real layers, and its true D (mean |Δ|).
 */
function generated(seed: number, k: number, unrelatedScores = false) {
  const u = makeUniform(4 * k, seed);
  const models: Float32Array[] = [Float32Array.from(makeGaussian(DIM, seed * 31), (v, i) => v * (1 + (i % 7)))]; // heavy-ish tails
  const parents = [-1];
  for (let m = 1; m < k; m++) {
    const p = Math.floor(u[m]! * m);
    const step = 0.02 + 0.98 * u[k + m]! ** 3;
    const noise = makeGaussian(DIM, seed * 31 + m);
    models.push(Float32Array.from(models[p]!, (v, i) => v + step * noise[i]!));
    parents.push(p);
  }
  const distance = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let x = 0; x < DIM; x++) sum += Math.abs(models[i]![x]! - models[j]![x]!);
      distance[i * k + j] = i === j ? 0 : sum / DIM;
    }
  const group: ScoredLayers = {
    plan: [{ name: "w", kind: "query", roles: { distance: true, score: true, sketch: false } }],
    // Unrelated scores: statistics of vectors with random scales and tails, so that the rules (kurtosis, its variance
    // fallback) and the distances disagree, and orientation and fallback are often close calls.
    pass: [
      {
        stats: unrelatedScores
          ? models.map((_, m) =>
              layerStats(
                Float32Array.from(makeGaussian(64, seed * 53 + m), (v, i) => v * (1 + (i % (2 + (m % 5)))) * (1 + m / k)),
                0,
              ),
            )
          : models.map((m) => layerStats(m, 0)),
      },
    ],
  };
  const members: DirectionMember[] = models.map((_, position) => ({ index: position, position, stage: "auto", model: { id: `m${position}` } }));
  return { distance, group, members };
}

/** A box around `distance` (relative half-widths up to `width`) and a point of it other than the truth. */
function boxAround(distance: Float64Array, width: number, seed: number): { box: DistanceBox; hat: Float64Array } {
  const k = Math.round(Math.sqrt(distance.length));
  const u = makeUniform(3 * distance.length, seed);
  const low = new Float64Array(distance.length);
  const high = new Float64Array(distance.length);
  const hat = new Float64Array(distance.length);
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      const at = i * k + j;
      const d = distance[at]!;
      low[at] = low[j * k + i] = d * (1 - width * u[3 * at]!);
      high[at] = high[j * k + i] = d * (1 + width * u[3 * at + 1]!);
      hat[at] = hat[j * k + i] = low[at]! + (high[at]! - low[at]!) * u[3 * at + 2]!;
    }
  return { box: { low, high }, hat };
}

function edges(oriented: ReturnType<typeof orientTree>): string {
  return `${[...oriented.tree.parent].join()}|${oriented.direction.root}|${oriented.direction.rule}|${oriented.direction.decidedBy}|${oriented.direction.trend}`;
}

describe("certifyTree", () => {
  test("never decides a tree other than the exact one when the box holds the true D (close siblings, tiny steps, wide boxes)", () => {
    let decided = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2, max: 14 }), fc.constantFrom(0.001, 0.01, 0.05, 0.2), (seed, k, width) => {
        const { distance, group, members } = generated(seed, k);
        const exact = orientTree({ group, members, kept: members, distance, choice: "ft", options, forbidden: undefined, rankMask: undefined });
        const { box, hat } = boxAround(distance, width, seed + 7);
        const certificate = certifyTree({ group, members, hat, box, options });
        runs++;
        if (!certificate.decided) return;
        decided++;
        expect(edges(certificate.oriented)).toBe(edges(exact));
      }),
      { numRuns: 300, seed: 15 },
    );
    // Not vacuous: narrow boxes decide most trees.
    expect(decided).toBeGreaterThan(runs / 4);
  });

  test("with scores unrelated to the distances (rules and fallback disagreeing), a decided tree is still the exact one", () => {
    let decided = 0;
    let fallbacks = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 3, max: 10 }), fc.constantFrom(0.0001, 0.003, 0.03), (seed, k, width) => {
        const { group, members } = generated(seed, k, true);
        // D between random points: no tree behind it, so the fallback rule wins now and then (~3 %).
        const points = Array.from({ length: k }, (_, i) => makeGaussian(3, seed * 13 + i));
        const distance = new Float64Array(k * k);
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (i !== j) distance[i * k + j] = Math.hypot(...points[i]!.map((v, d) => v - points[j]![d]!));
        const exact = orientTree({ group, members, kept: members, distance, choice: "ft", options, forbidden: undefined, rankMask: undefined });
        const { box, hat } = boxAround(distance, width, seed + 11);
        const certificate = certifyTree({ group, members, hat, box, options });
        if (!certificate.decided) return;
        decided++;
        if (exact.rule !== exact.first) fallbacks++;
        expect(edges(certificate.oriented)).toBe(edges(exact));
      }),
      { numRuns: 600, seed: 16 },
    );
    expect(decided).toBeGreaterThan(60);
    expect(fallbacks).toBeGreaterThan(0);
  });

  test("asks for the upper bounds of the edges it would choose, and decides once they are given", () => {
    const { distance, group, members } = generated(3, 12);
    const k = members.length;
    const low = distance; // lower bounds everywhere, upper ones only where asked
    const high = new Float64Array(k * k).fill(Infinity);
    const first = certifyTree({ group, members, hat: distance, box: { low, high }, options });
    expect(first.decided).toBe(false);
    const needs = first.decided ? [] : (first.needs ?? []);
    expect(needs.length).toBeGreaterThanOrEqual(k - 1);
    for (const pair of needs) {
      const [i, j] = [Math.floor(pair / k), pair % k];
      high[i * k + j] = high[j * k + i] = distance[i * k + j]!;
    }
    const second = certifyTree({ group, members, hat: distance, box: { low, high }, options });
    expect(second.decided ? "decided" : second.why).toBe("decided");
  });

  test("a single model, or given stages, is left to the exact recovery", () => {
    const { distance, group, members } = generated(5, 4);
    const box = { low: distance, high: distance };
    expect(certifyTree({ group, members: members.slice(0, 1), hat: distance.slice(0, 1), box, options }).decided).toBe(false);
    const staged = members.map((m) => ({ ...m, stage: "specialization" as const }));
    expect(certifyTree({ group, members: staged, hat: distance, box, options }).decided).toBe(false);
  });
});

describe("certifyArborescence", () => {
  test("a tree with a rival within the box is not robust; with the exact D it is", () => {
    // Model 2 sits between 0 and 1 almost equally: 0→2 at 1.00, 1→2 at 1.01.
    const n = 3;
    const d = (a: number, b: number, c: number) => Float64Array.of(0, a, b, a, 0, c, b, c, 0);
    const distance = d(1, 1, 1.01);
    const tree = { scores: Float64Array.of(2, 1, 0), stages: ["specialization", "specialization", "specialization"] as const, parent: Int32Array.of(-1, 0, 0) };
    expect(certifyArborescence({ ...tree, stages: [...tree.stages] }, { low: distance, high: distance }, 0.3).robust).toBe(true);
    const wide = { low: distance.map((v) => v * 0.98), high: distance.map((v) => v * 1.02) };
    expect(certifyArborescence({ ...tree, stages: [...tree.stages] }, wide, 0.3).robust).toBe(false);
    expect(n).toBe(3);
  });
});
