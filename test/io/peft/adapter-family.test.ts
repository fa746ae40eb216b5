import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { join } from "node:path";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { bestAlignedInTrees, bestAlignedModel, bestInTrees } from "../../../src/io/peft/adapter-family.ts";
import { attachAdapters } from "../../../src/io/peft/attach-adapters.ts";
import { writePeftAdapter } from "../../../src/io/peft/write-peft-adapter.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import { makeGaussian } from "../../../src/recover/seeded-random.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

/** The index of the highest score, the lowest index among ties: what a scan of every candidate gives. */
function scanned(scores: readonly number[]): number {
  return scores.reduce((best, score, c) => (score > scores[best]! ? c : best), 0);
}

/** Trees of consecutive indices, of the given sizes. */
function consecutive(sizes: readonly number[]): number[][] {
  let next = 0;
  return sizes.map((size) => Array.from({ length: size }, () => next++));
}

describe("bestInTrees", () => {
  test("equals the scan of every index when no tree spreads more than the margin allows", async () => {
    // Trees whose members stay within 0.05 of their first: the first four trees scored whole see a spread near it.
    const property = fc.asyncProperty(
      fc.array(fc.record({ level: fc.double({ min: 0, max: 2, noNaN: true }), size: fc.integer({ min: 2, max: 6 }) }), { minLength: 1, maxLength: 40 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 240, maxLength: 240 }),
      async (trees, jitter) => {
        const groups = consecutive(trees.map((tree) => tree.size));
        const scores = groups.flatMap((members, g) => members.map((c, m) => trees[g]!.level + (m === 0 ? 0 : 0.025 + 0.025 * jitter[c]!)));
        expect(await bestInTrees(groups, async (c) => scores[c]!)).toBe(scanned(scores));
      },
    );
    await fc.assert(property, { numRuns: 200 });
  });

  test("scores every tree's first member, then only the trees that can win: 244 of 1,000 asked for 100 trees of 10", async () => {
    const groups = consecutive(Array.from({ length: 100 }, () => 10));
    // Tree t's first member scores t / 100, its others up to 0.009 more: tree 99 wins, and once the
    // first 16 trees are scored whole (99 … 84), tree 83's 0.83 + 2 × 0.009 is below 0.999.
    const scores = groups.flatMap((members, t) => members.map((_, m) => t / 100 + (m === 0 ? 0 : m / 1000)));
    const asked: number[] = [];
    const score = async (c: number) => {
      asked.push(c);
      return scores[c]!;
    };
    expect(await bestInTrees(groups, score)).toBe(999);
    expect(asked.length).toBe(100 + 16 * 9);
  });

  test("a tree whose first member scores far below the rest can hide the best one: a shortlist, not a bound", async () => {
    // 20 trees of 3 whose members rise 0.01 over their first; the last tree's first member is poor but its third is the best of all.
    const groups = consecutive(Array.from({ length: 20 }, () => 3));
    const scores = groups.flatMap((members, t) => members.map((_, m) => (t === 19 ? [0.1, 0.1, 5][m]! : 1 - t / 100 + m / 100)));
    expect(scanned(scores)).toBe(59);
    expect(await bestInTrees(groups, async (c) => scores[c]!)).toBe(2);
  });

  test("ties go to the lowest index, as the scan gives; no trees, no answer", async () => {
    expect(
      await bestInTrees(
        [
          [3, 1],
          [0, 2],
        ],
        async () => 0.5,
      ),
    ).toBe(0);
    expect(await bestInTrees([], async () => 1)).toBeUndefined();
    expect(await bestInTrees([[]], async () => 1)).toBeUndefined();
  });
});

describe("bestAlignedInTrees", () => {
  const HIDDEN = 12;
  const QUERY = "model.layers.0.self_attn.q_proj";

  /** A family: a root with a strong rank-2 part of its own, fine-tunes a small step away. */
  function family(seed: number, members: number): Float32Array[] {
    const noise = makeGaussian(HIDDEN * HIDDEN, seed);
    const [u, v] = [makeGaussian(2 * HIDDEN, seed + 1), makeGaussian(2 * HIDDEN, seed + 2)];
    const root = Float32Array.from(noise, (x, at) => {
      const [i, j] = [Math.floor(at / HIDDEN), at % HIDDEN];
      return 0.3 * x + u[2 * i]! * v[2 * j]! + 0.7 * u[2 * i + 1]! * v[2 * j + 1]!;
    });
    return Array.from({ length: members }, (_, m) => {
      const step = makeGaussian(HIDDEN * HIDDEN, seed + 10 + m);
      return m === 0 ? root : Float32Array.from(root, (x, at) => x + 0.05 * step[at]!);
    });
  }

  test("with its set's trees, names the model the scan of every fitting model names, for adapters trained on a family and for random ones", async () => {
    const root = temporaryFolder("mother-adapter-family-");
    const trees: string[][] = [];
    for (let f = 0; f < 7; f++) {
      const weights = family(100 * f, 5);
      trees.push(weights.map((_, m) => `f${f}-m${m}`));
      for (const [m, data] of weights.entries()) {
        await writeSafetensors(join(root, `f${f}-m${m}`, "model.safetensors"), [{ name: `${QUERY}.weight`, dtype: "F32", shape: [HIDDEN, HIDDEN], data }]);
      }
    }
    for (let a = 0; a < 6; a++) {
      // Adapters 0–2 trained on families 0–2 (their update in the family's dominant directions), 3–5 random.
      const trained = a < 3 ? family(100 * a, 1)[0]! : undefined;
      const b = Float32Array.from(makeGaussian(HIDDEN * 2, 7_000 + a), (x, at) => (trained ? (trained[(at >> 1) * HIDDEN] ?? x) : x));
      const aFactor = Float32Array.from(makeGaussian(2 * HIDDEN, 8_000 + a), (x, at) => (trained ? trained[at % HIDDEN]! : x));
      await writePeftAdapter(join(root, `adapter-${a}`), { rank: 2, alpha: 4, modules: [{ module: QUERY, a: aFactor, b, fanIn: HIDDEN, fanOut: HIDDEN }] });
    }
    const { unattached } = await attachAdapters(await discoverModels([root]), { alignLater: true });
    expect(unattached.length).toBe(6);
    for (const { model, candidates, alignedWith } of unattached) {
      expect(alignedWith).toBeUndefined(); // left to the caller
      expect(candidates?.length).toBe(35);
      const shortlisted = await bestAlignedInTrees(candidates!, trees);
      expect(shortlisted).toBe((await bestAlignedModel(candidates!))!);
      const a = Number(model.id.slice("adapter-".length));
      if (a < 3) expect(shortlisted!.startsWith(`f${a}-`)).toBe(true);
    }
    // Candidates in no tree are trees of one: with no trees given, every candidate is scored.
    expect(await bestAlignedInTrees(unattached[3]!.candidates!, [])).toBe((await bestAlignedModel(unattached[3]!.candidates!))!);
  });
});
