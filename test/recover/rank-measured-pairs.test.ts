import { describe, expect, test } from "bun:test";
import { combinedDistance, isLowRankPair, mayHaveRankPairs, rankMeasuredPairs, type RankMeasuredPairs } from "../../src/recover/rank-measured-pairs.ts";
import { analyseLayer, type LayerJob } from "../../src/recover/layer-pass.ts";
import { rankInProcess } from "../../src/recover/pair-ranks.ts";
import { DEFAULT_RANK_EPSILON } from "../../src/recover/low-rank-sketch.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("combinedDistance", () => {
  // Three models: 0–1 a rank-2 pair (adapter), 0–2 and 1–2 full fine-tunes at ℓ_FT 0.4 and 0.5.
  const ft = Float64Array.of(0, 0.3, 0.4, 0.3, 0, 0.5, 0.4, 0.5, 0);
  const pairs: RankMeasuredPairs = {
    byRank: Uint8Array.of(0, 1, 0, 1, 0, 0, 0, 0, 0),
    rank: Float64Array.of(Number.NaN, 2, 48, 2, Number.NaN, 48, 48, 48, Number.NaN),
    highRank: 24,
    measurableRank: 48,
  };

  test("a rank-measured pair reads δ · rank / measurable rank, δ the smallest ℓ_FT of the other pairs; the rest keep ℓ_FT", () => {
    const combined = combinedDistance(ft, pairs, 3);
    expect(combined[1]).toBeCloseTo((0.4 * 2) / 48, 15);
    expect(combined[3]).toBeCloseTo((0.4 * 2) / 48, 15);
    expect([combined[2], combined[5], combined[0]]).toEqual([0.4, 0.5, 0]);
  });

  test("with every pair rank-measured it is ℓ_LoRA itself", () => {
    const all = { ...pairs, byRank: Uint8Array.of(0, 1, 1, 1, 0, 1, 1, 1, 0) };
    expect(Array.from(combinedDistance(ft, all, 3))).toEqual([0, 2, 48, 2, 0, 48, 48, 48, 0]);
  });

  test("low rank means above 0 and below the high-rank bound", () => {
    expect([isLowRankPair(pairs, 3, 0, 1), isLowRankPair(pairs, 3, 0, 2)]).toEqual([true, false]);
  });
});

describe("rankMeasuredPairs", () => {
  test("a LoRA child and its parent are measured by rank, a full fine-tune by ℓ_FT, and cousins whose other layers are untouched by rank", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mother-rank-pairs-"));
    try {
      const h = 32;
      const base = { q: makeGaussian(h * h, 1), k: makeGaussian(h * h, 2) };
      const lowRank = (seed: number, r: number) => {
        const b = makeGaussian(h * r, seed);
        const a = makeGaussian(r * h, seed + 1);
        return Float64Array.from({ length: h * h }, (_, at) => {
          let s = 0;
          for (let x = 0; x < r; x++) s += b[Math.floor(at / h) * r + x]! * a[x * h + (at % h)]!;
          return 0.3 * s;
        });
      };
      const add = (w: Float64Array, d: Float64Array) => w.map((v, i) => v + d[i]!);
      // 0 root, 1 = root + rank 4 on q, 2 = 1 + rank 12 on q, 3 = root + rank 12 on q (so 2–3: rank 28 ≥ 16, other layers equal), 4 full fine-tune
      const models = [
        base,
        { q: add(base.q, lowRank(10, 4)), k: base.k },
        { q: add(add(base.q, lowRank(10, 4)), lowRank(20, 12)), k: base.k },
        { q: add(base.q, lowRank(30, 12)), k: base.k },
        {
          q: add(
            base.q,
            makeGaussian(h * h, 40).map((v) => 0.1 * v),
          ),
          k: add(
            base.k,
            makeGaussian(h * h, 41).map((v) => 0.1 * v),
          ),
        },
      ];
      const files = await Promise.all(
        models.map(async (m, i) => {
          const file = join(dir, `m${i}.safetensors`);
          await writeSafetensors(file, [
            { name: "q", dtype: "F32", shape: [h, h], data: m.q },
            { name: "k", dtype: "F32", shape: [h, h], data: m.k },
          ]);
          return openSafetensorsFile(file);
        }),
      );
      const job = (name: string, sketch: boolean): LayerJob => ({
        name,
        kind: name === "q" ? "query" : "key",
        shape: [h, h],
        tensors: files.map((tensors) => tensors.find((t) => t.name === name)!),
        roles: { distance: true, score: false, sketch },
        sketchSize: 160,
        histogramBins: 0,
      });
      const jobs = [job("q", true), job("k", false)];
      // One layer at a time: the reference path reuses one read buffer per model slot.
      const pass = [await analyseLayer(jobs[0]!, "reference"), await analyseLayer(jobs[1]!, "reference")];
      const pairs = await rankMeasuredPairs([0, 1, 2, 3, 4], jobs, pass, [0], DEFAULT_RANK_EPSILON, rankInProcess);
      const at = (i: number, j: number) => i * 5 + j;
      expect(pairs.highRank).toBe(16);
      expect([pairs.rank[at(0, 1)], pairs.rank[at(1, 2)], pairs.rank[at(2, 3)]]).toEqual([4, 12, 28]);
      expect([pairs.byRank[at(0, 1)], pairs.byRank[at(1, 2)], pairs.byRank[at(2, 3)], pairs.byRank[at(0, 4)], pairs.byRank[at(1, 4)]]).toEqual([1, 1, 1, 0, 0]);
      expect([isLowRankPair(pairs, 5, 0, 1), isLowRankPair(pairs, 5, 2, 3)]).toEqual([true, false]);
      // The pre-check: a root and a full fine-tune have no rank-measured pair; add a LoRA child and they do.
      const ft = (members: number[]) => Float64Array.from({ length: members.length ** 2 }, (_, at) => (at % (members.length + 1) === 0 ? 0 : 1));
      expect(await mayHaveRankPairs([0, 4], jobs, pass, [0], ft([0, 4]), DEFAULT_RANK_EPSILON, rankInProcess)).toBe(false);
      expect(await mayHaveRankPairs([0, 1, 4], jobs, pass, [0], ft([0, 1, 4]), DEFAULT_RANK_EPSILON, rankInProcess)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
