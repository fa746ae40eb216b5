/**
 * The layer pass on GGUF tensors: the kernel path (blocks staged in kernel memory, decoded by the
 * native kernels where they exist, rotary heads put back in place) gives what the reference path
 * (the TypeScript decoders, one whole read) gives — for chunks of whole heads and chunks that cut
 * through heads alike.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openGgufFile } from "../../src/io/gguf/read-gguf.ts";
import { writeGgufFromHf, type HfTensor } from "../../src/io/gguf/write-gguf.ts";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { analyseLayer, type LayerJob } from "../../src/recover/layer-pass.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import type { GgmlType, TensorInfo } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

// q: 8 heads of 64 rows, read 256 rows a chunk (whole heads); k: 2 heads of 128 rows, read 64 rows a chunk (half heads).
const SHAPES: Record<string, number[]> = {
  "model.layers.0.self_attn.q_proj.weight": [512, 256],
  "model.layers.0.self_attn.k_proj.weight": [256, 1024],
  "model.layers.0.self_attn.v_proj.weight": [256, 256],
  "model.layers.0.mlp.gate_proj.weight": [256, 512],
};

async function models(): Promise<TensorInfo[][]> {
  const folder = temporaryFolder("mother-layer-pass-gguf-");
  const tensors: HfTensor[] = Object.entries(SHAPES).map(([name, shape], i) => ({
    name,
    shape,
    data: Float32Array.from(makeGaussian(shape[0]! * shape[1]!, 100 + i), (x) => 0.02 * x),
  }));
  await writeSafetensors(
    join(folder, "source.safetensors"),
    tensors.map((t) => ({ ...t, dtype: "F32" as const })),
  );
  const all = [await openSafetensorsFile(join(folder, "source.safetensors"))];
  for (const type of ["Q8_0", "Q4_K", "Q6_K", "Q5_0"] as GgmlType[]) {
    await writeGgufFromHf(join(folder, `${type}.gguf`), tensors, { type, headCount: 8, headCountKv: 2 });
    all.push((await openGgufFile(join(folder, `${type}.gguf`))).tensors);
  }
  return all;
}

describe("analyseLayer on GGUF tensors", () => {
  test("kernels and reference agree on statistics and distances for every block type, rotary rows included", async () => {
    const sets = await models();
    for (const [name, shape] of Object.entries(SHAPES)) {
      const job: LayerJob = {
        name,
        kind: "query",
        shape,
        tensors: sets.map((tensors) => tensors.find((t) => t.name === name)!),
        roles: { distance: true, score: true, sketch: false },
        sketchSize: 16,
        histogramBins: 0,
      };
      const [kernels, reference] = [await analyseLayer(job, "kernels"), await analyseLayer(job, "reference")];
      for (const [m, stats] of reference.stats.entries()) {
        expect([kernels.stats[m]!.min, kernels.stats[m]!.max]).toEqual([stats.min, stats.max]);
        expect(Math.abs(kernels.stats[m]!.variance - stats.variance) / stats.variance).toBeLessThan(1e-6);
      }
      for (let i = 0; i < reference.maxAbsDiff.length; i++) {
        expect(kernels.maxAbsDiff[i]!).toBeCloseTo(reference.maxAbsDiff[i]!, 7);
        expect(kernels.meanAbsDiff[i]!).toBeCloseTo(reference.meanAbsDiff[i]!, 8);
      }
      // Each copy is within its format's rounding of the source: rows came back in source order.
      const largest = Math.max(Math.abs(reference.stats[0]!.min), reference.stats[0]!.max);
      expect(reference.maxAbsDiff[1]!).toBeLessThan(largest / 100); // Q8_0
      expect(reference.maxAbsDiff[2]!).toBeLessThan(largest / 4); // Q4_K
      expect(reference.meanAbsDiff[1]!).toBeLessThan(reference.meanAbsDiff[2]!); // Q8_0 closer than Q4_K
    }
  }, 60_000);
});
