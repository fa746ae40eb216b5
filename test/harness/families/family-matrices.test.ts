import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { familyMatrices } from "../../../src/harness/families/family-matrices.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import { Rng } from "../../../src/rng.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

const DIM = 8;
const LAYERS = ["q_proj", "k_proj", "v_proj", "o_proj"].map((p) => `model.layers.0.self_attn.${p}.weight`);

/** Brute-force Pearson kurtosis. */
function kurtosis(values: Float32Array): number {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let m2 = 0;
  let m4 = 0;
  for (const v of values) {
    m2 += (v - mean) ** 2 / n;
    m4 += (v - mean) ** 4 / n;
  }
  return m4 / (m2 * m2);
}

describe("familyMatrices", () => {
  test("gives ℓ_FT (max |Δ| by layer range, Σ mean |Δ| by layer RMS, by default their geometric mean) and Σ kurtosis, as a brute-force oracle", async () => {
    const dir = temporaryFolder("mother-family-matrices-");
    const rng = new Rng(7);
    const ids = ["base", "chat", "code"];
    const weights = ids.map(() => LAYERS.map(() => Float32Array.from({ length: DIM * DIM }, () => (rng.uniform() - 0.5) * (1 + 3 * rng.uniform() ** 8))));
    for (const [m, id] of ids.entries()) {
      await mkdir(join(dir, id));
      const tensors = LAYERS.map((name, l) => ({ name, dtype: "F32" as const, shape: [DIM, DIM], data: weights[m]![l]! }));
      tensors.push({ name: "model.embed_tokens.weight", dtype: "F32", shape: [16, DIM], data: new Float32Array(16 * DIM).fill(m) });
      await writeSafetensors(join(dir, id, "model.safetensors"), tensors);
    }
    const models = await discoverModels([dir]);
    const geometric = await familyMatrices(models);
    const mean = await familyMatrices(models, { ftDistance: "mean" });
    const max = await familyMatrices(models, { ftDistance: "max" });
    expect(mean.ids).toEqual(ids);

    const n = ids.length;
    const rms = (values: Float32Array) => Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let maxOracle = 0;
        let meanOracle = 0;
        if (i !== j) {
          for (let l = 0; l < LAYERS.length; l++) {
            const all = weights.flatMap((w) => [...w[l]!]);
            const range = Math.max(...all) - Math.min(...all);
            const layerRms = weights.reduce((sum, w) => sum + rms(w[l]!), 0) / n;
            let maxDiff = 0;
            let sumDiff = 0;
            for (let e = 0; e < DIM * DIM; e++) {
              const d = Math.abs(weights[i]![l]![e]! - weights[j]![l]![e]!);
              maxDiff = Math.max(maxDiff, d);
              sumDiff += d;
            }
            maxOracle = Math.max(maxOracle, maxDiff / range);
            meanOracle += sumDiff / (DIM * DIM) / layerRms;
          }
        }
        expect(max.distance[i * n + j]!).toBeCloseTo(maxOracle, 6);
        expect(mean.distance[i * n + j]!).toBeCloseTo(meanOracle, 5);
        expect(geometric.distance[i * n + j]!).toBeCloseTo(Math.sqrt(maxOracle * meanOracle), 5);
      }
      const scoreOracle = weights[i]!.reduce((sum, layer) => sum + kurtosis(layer), 0);
      expect(mean.scores[i]!).toBeCloseTo(scoreOracle, 4);
    }
  });
});
