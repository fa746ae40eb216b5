import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { heldBytes, holdFiles } from "../../src/io/held-files.ts";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import type { LayerJob } from "../../src/recover/layer-pass.ts";
import type { TensorInfo } from "../../src/types.ts";
import { MERGE_SAMPLE_VALUES, readMergeSamples, withMergeSamples } from "../../src/recover/merge-samples.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

/** Four models with two f32 distance layers (one of 63 values: the native widening's tail), a bf16 one and a score-only one; the jobs over them. */
async function models(): Promise<{ jobs: LayerJob[]; files: string[] }> {
  const folder = temporaryFolder("mother-merge-samples-");
  const files: string[] = [];
  const tensors: TensorInfo[][] = [];
  for (let m = 0; m < 4; m++) {
    const file = join(folder, `m${m}.safetensors`);
    await writeSafetensors(file, [
      { name: "a", dtype: "F32", shape: [40, 30], data: Float32Array.from(makeGaussian(1200, 10 + m)) },
      { name: "b", dtype: "BF16", shape: [50], data: Float32Array.from(makeGaussian(50, 20 + m)) },
      { name: "c", dtype: "F32", shape: [7], data: Float32Array.from(makeGaussian(7, 30 + m)) },
      { name: "d", dtype: "F32", shape: [9, 7], data: Float32Array.from(makeGaussian(63, 40 + m)) },
    ]);
    files.push(file);
    tensors.push(await openSafetensorsFile(file));
  }
  const job = (name: string, at: number, distance: boolean, shape: number[]): LayerJob => ({
    name,
    kind: "query",
    shape,
    tensors: tensors.map((t) => t[at]!),
    roles: { distance, score: true, sketch: false },
    sketchSize: 0,
    histogramBins: 0,
  });
  return { jobs: [job("a", 0, true, [40, 30]), job("b", 1, true, [50]), job("c", 2, false, [7]), job("d", 3, true, [9, 7])], files };
}

describe("merge samples", () => {
  test("each distance layer's first whole rows, as read from disk, whether the files are held in kernel memory or not", async () => {
    const { jobs, files } = await models();
    const fromDisk = await readMergeSamples(jobs, [3, 1, 0]);
    expect(fromDisk.map((layers) => layers.map((layer) => layer.length))).toEqual([
      [Math.floor(MERGE_SAMPLE_VALUES / 30) * 30, 50, 63],
      [1020, 50, 63],
      [1020, 50, 63],
    ]);
    expect(fromDisk[0]![0]![31]).toBe(Math.fround(makeGaussian(1200, 13)[31]!));
    const release = holdFiles(
      files.map((file) => [file, Bun.file(file).size] as const),
      (await threadKernels()).holdMemory(),
    );
    try {
      expect(heldBytes(files[0]!)).toBeDefined();
      expect(withMergeSamples(jobs, [3, 1, 0], (samples) => samples.map((layers) => layers.map((layer) => [...layer])))).toEqual(
        fromDisk.map((layers) => layers.map((layer) => [...layer])),
      );
    } finally {
      release();
    }
  });

  test("the reused buffer serves one tree at a time: a tree inside another's use gets its own samples", async () => {
    const { jobs } = await models();
    const expected = (await readMergeSamples(jobs, [0, 1, 2, 3])).map((layers) => layers.map((layer) => [...layer]));
    withMergeSamples(jobs, [0, 1, 2, 3], (outer) => {
      const inner = withMergeSamples(jobs, [3, 2, 1, 0], (samples) => samples);
      expect(inner[0]![0]!.buffer).not.toBe(outer[0]![0]!.buffer);
      expect(outer.map((layers) => layers.map((layer) => [...layer]))).toEqual(expected);
    });
  });
});
