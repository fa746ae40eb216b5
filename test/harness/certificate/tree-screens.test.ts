import { describe, expect, test } from "bun:test";
import { SAMPLES_PER_LAYER, type Fingerprint } from "../../../src/index/fingerprint.ts";
import { screensClear, screenTree } from "../../../src/harness/certificate/tree-screens.ts";
import { makeGaussian, makeUniform } from "../../../src/recover/seeded-random.ts";
import { layerStats } from "../../../src/stats/layer-stats.ts";
import type { Dtype } from "../../../src/types.ts";

const LAYERS = 6;
const VALUES = LAYERS * SAMPLES_PER_LAYER;

/** A fingerprint holding `samples` for LAYERS distance layers (its statistics from the samples themselves). */
function fingerprint(id: string, samples: Float32Array): Fingerprint {
  const layers = Array.from({ length: LAYERS }, (_, l) => ({ name: `w${l}`, kind: "query" as const, shape: [SAMPLES_PER_LAYER], distance: true, score: true }));
  const stats = layers.map((_, l) => layerStats(samples.subarray(l * SAMPLES_PER_LAYER, (l + 1) * SAMPLES_PER_LAYER), 0));
  return { id, path: `/${id}`, files: [], checksum: "", format: "safetensors", version: 0, architecture: "a", layers, stats, samples };
}

/** A tree of fine-tunes: model m is a random earlier one plus Gaussian noise of 15 % of the root's scale. */
function fineTunes(k: number, seed: number): Float32Array[] {
  const models = [Float32Array.from(makeGaussian(VALUES, seed))];
  const u = makeUniform(k, seed + 1);
  for (let m = 1; m < k; m++) {
    const noise = makeGaussian(VALUES, seed * 100 + m);
    models.push(Float32Array.from(models[Math.floor(u[m]! * m)]!, (v, i) => v + 0.15 * noise[i]!));
  }
  return models;
}

const f32 = (k: number): Dtype[][] => Array.from({ length: k }, () => Array<Dtype>(LAYERS).fill("F32"));

/** Rounds to bf16 (nearest, ties to even), as a bf16 re-save stores each weight. */
function bf16(values: Float32Array): Float32Array {
  const bits = new Uint32Array(Float32Array.from(values).buffer);
  for (let i = 0; i < bits.length; i++) bits[i] = ((bits[i]! + 0x7fff + ((bits[i]! >>> 16) & 1)) & 0xffff0000) >>> 0;
  return new Float32Array(bits.buffer);
}

describe("screenTree", () => {
  test("a tree of fine-tunes is cleared by every screen", () => {
    const models = fineTunes(12, 3);
    const screens = screenTree(
      models.map((m, i) => fingerprint(`m${i}`, m)),
      f32(12),
    );
    expect(screens.lowestMergeRatio).toBeGreaterThan(0.375);
    expect(screensClear(screens)).toBe(true);
  });

  test("a bf16 re-save and an exact duplicate are kept as possible storage twins", () => {
    const models = fineTunes(5, 4);
    models.push(bf16(models[2]!), Float32Array.from(models[3]!));
    const dtypes = f32(7);
    dtypes[5] = Array<Dtype>(LAYERS).fill("BF16");
    const screens = screenTree(
      models.map((m, i) => fingerprint(`m${i}`, m)),
      dtypes,
    );
    expect(screens.twinPairs).toEqual([
      [2, 5],
      [3, 6],
    ]);
    // The bf16 copy of model 2 read as f32 would differ from it: the dtype sets the tolerance.
    expect(screenTree([fingerprint("a", models[2]!), fingerprint("b", models[5]!)], f32(2)).twinPairs).toEqual([]);
  });

  test("a linear merge and a task-arithmetic merge are kept as possible merges", () => {
    const models = fineTunes(8, 5);
    models.push(Float32Array.from(models[3]!, (v, i) => 0.3 * v + 0.7 * models[6]![i]!));
    models.push(Float32Array.from(models[0]!, (v, i) => v + 0.6 * (models[2]![i]! - v) + 0.6 * (models[5]![i]! - v)));
    const screens = screenTree(
      models.map((m, i) => fingerprint(`m${i}`, m)),
      f32(10),
    );
    expect(screens.mergeChildren).toContain(8);
    expect(screens.mergeChildren).toContain(9);
  });

  test("a TIES-like child (part of its weights left at the base's) and a pruned copy are kept", () => {
    const models = fineTunes(6, 6);
    const keep = makeUniform(VALUES, 77);
    models.push(Float32Array.from(models[1]!, (v, i) => (keep[i]! < 0.1 ? models[0]![i]! : v + 0.1 * (models[4]![i]! - models[0]![i]!))));
    models.push(Float32Array.from(models[2]!, (v, i) => (keep[i]! < 0.3 ? 0 : v)));
    const screens = screenTree(
      models.map((m, i) => fingerprint(`m${i}`, m)),
      f32(8),
    );
    expect(screens.sharingModels).toContain(6);
    expect(screens.zeroModels).toEqual([7]);
    expect(screensClear(screens)).toBe(false);
  });
});
