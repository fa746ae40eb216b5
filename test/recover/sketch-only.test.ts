import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Dtype, TensorInfo } from "../../src/types.ts";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { analyseLayer, CHUNK_VALUES, type LayerJob, type LayerResult } from "../../src/recover/layer-pass.ts";
import { sketchLayer, sketchlessFromWholeSample } from "../../src/recover/sketch-only.ts";
import { runTask, transferList } from "../../src/recover/pool-task.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { holdFiles } from "../../src/io/held-files.ts";
import { threadKernels, WeightKernels } from "../../src/kernels/weight-kernels.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

/** Four related models of one rows × cols layer, stored as `dtypes[m]`: a root, a fine-tune, a pruned fine-tune, a rank-2 update of the root. */
async function layerJob(rows: number, cols: number, dtypes: readonly Dtype[], seed: number): Promise<LayerJob> {
  const folder = temporaryFolder("mother-sketch-only-");
  const count = rows * cols;
  const root = makeGaussian(count, seed);
  const tensors: TensorInfo[] = [];
  for (const [m, dtype] of dtypes.entries()) {
    const own = makeGaussian(count, seed + 100 * (m + 1));
    const [a, b] = [makeGaussian(rows * 2, seed + 7), makeGaussian(cols * 2, seed + 8)];
    const data = Float32Array.from(root, (x, i) => {
      const [r, c] = [Math.floor(i / cols), i % cols];
      const lora = m === 3 ? 0.002 * (a[2 * r]! * b[2 * c]! + a[2 * r + 1]! * b[2 * c + 1]!) : 0;
      // A pruned-like model (exact zeros) among them.
      return m === 2 && i % 7 === 0 ? 0 : 0.02 * x + (m === 0 || m === 3 ? 0 : 0.001 * own[i]!) + lora;
    });
    const file = join(folder, `model-${m}.safetensors`);
    await writeSafetensors(file, [{ name: "layer", dtype, shape: [rows, cols], data }]);
    tensors.push((await openSafetensorsFile(file))[0]!);
  }
  return { name: "layer", kind: "query", shape: [rows, cols], tensors, roles: { distance: true, score: true, sketch: true }, sketchSize: 16, histogramBins: 0 };
}

const sampleOf = (job: LayerJob): LayerJob => ({ ...job, roles: { distance: true, score: false, sketch: false }, sampleValues: CHUNK_VALUES });

describe("sketch-only passes", () => {
  test("a sketched layer its sample covered whole: the sample's result and the sketches alone are the layer's pass to the bit, held or read", async () => {
    // A held probe layer's sketches come from one native call (rowSampleSketches): counted, so the test sees that path run
    // (the counting wrapper calls the method itself, and is taken off after the loop).
    const rowSampleSketches = WeightKernels.prototype.rowSampleSketches;
    let oneCall = 0;
    WeightKernels.prototype.rowSampleSketches = function (this: WeightKernels, ...args: Parameters<typeof rowSampleSketches>) {
      const sketches = rowSampleSketches.apply(this, args);
      if (sketches) oneCall++;
      // One fresh array for every model's sketch, each a view of it.
      if (sketches) expect(new Set(sketches.map((sketch) => sketch.buffer)).size).toBe(1);
      return sketches;
    };
    for (const [rows, cols, seed] of [
      [60, 48, 1],
      [48, 192, 2],
      [192, 48, 3],
      [5, 7, 4],
    ] as const) {
      const job = await layerJob(rows, cols, ["F32", "F32", "F32", "F32"], seed);
      const sampled = await analyseLayer(sampleOf(job));
      for (const variant of [
        job,
        { ...job, probeWidth: 24 },
        {
          ...job,
          probeWidth: 24,
          pairGroups: [
            [0, 2],
            [1, 3],
          ],
        },
        { ...job, sketchSize: 40, roles: { ...job.roles, score: false } },
      ]) {
        const expected = await analyseLayer(variant);
        const sketchless = sketchlessFromWholeSample(variant, sampleOf(job), sampled);
        expect(sketchless).toBeDefined();
        const { sketches } = await sketchLayer(variant, sketchless!.rms);
        expect({ ...sketchless!.rest, sketches }).toEqual(expected);
        // With the files held in kernel memory (a tree's pass), swept where they lie: the same bits.
        const kernels = await threadKernels();
        const release = holdFiles(
          job.tensors.map((t) => [t.file, Bun.file(t.file).size] as const),
          kernels.holdMemory(),
        );
        try {
          expect((await sketchLayer(variant, sketchless!.rms)).sketches).toEqual(expected.sketches);
        } finally {
          release();
        }
      }
    }
    WeightKernels.prototype.rowSampleSketches = rowSampleSketches;
    // The two probe variants (probeWidth 24) of the three shapes wider and taller than 24, held (5 × 7 is sketched whole); none without the native kernels.
    expect(oneCall).toBe((await threadKernels()).backend === "native" ? 6 : 0);
  });

  test("a layer it cannot serve is read whole: no sketch asked for, a 16-bit model, more than one chunk, a partial sample", async () => {
    const job = await layerJob(60, 48, ["F32", "BF16", "F32", "F32"], 5);
    const plain = await layerJob(60, 48, ["F32", "F32", "F32", "F32"], 6);
    const sampled = await analyseLayer(sampleOf(plain));
    expect(sketchlessFromWholeSample(job, sampleOf(job), await analyseLayer(sampleOf(job)))).toBeUndefined();
    expect(sketchlessFromWholeSample({ ...plain, roles: { ...plain.roles, sketch: false } }, sampleOf(plain), sampled)).toBeUndefined();
    expect(sketchlessFromWholeSample(plain, { ...sampleOf(plain), sampleValues: 1000 }, sampled)).toBeUndefined();
    const wide = await layerJob(3, CHUNK_VALUES / 2 + 1, ["F32", "F32", "F32", "F32"], 7);
    expect(sketchlessFromWholeSample(wide, sampleOf(wide), await analyseLayer(sampleOf(wide)))).toBeUndefined();
  });

  test("a sketches task's answer in a thread holding its files (its sketches views of one buffer) is handed over with each buffer once, intact", async () => {
    // A probe layer (probeWidth): its held sketches come from one native call (rowSampleSketches).
    const plain = await layerJob(60, 48, ["F32", "F32", "F32", "F32"], 8);
    const job = { ...plain, probeWidth: 24 };
    const sketchless = sketchlessFromWholeSample(job, sampleOf(plain), await analyseLayer(sampleOf(plain)))!;
    const kernels = await threadKernels();
    const release = holdFiles(
      job.tensors.map((t) => [t.file, Bun.file(t.file).size] as const),
      kernels.holdMemory(),
    );
    let result: LayerResult;
    try {
      result = (await runTask({ kind: "sketches", job, rms: sketchless.rms })) as LayerResult;
    } finally {
      release();
    }
    const sent = structuredClone(result);
    // With the native kernels the four sketches share one buffer (rowSampleSketches); without them each has its own.
    expect(new Set(result.sketches.map((sketch) => sketch.data.buffer)).size).toBe(kernels.backend === "native" ? 1 : 4);
    const transfer = transferList(result);
    expect(transfer).toHaveLength(2 + new Set(result.sketches.map((sketch) => sketch.data.buffer)).size);
    // Through a real message port, as pool-worker.ts posts it: a buffer listed twice would throw DataCloneError.
    const { port1, port2 } = new MessageChannel();
    try {
      const received = new Promise<LayerResult>((resolve) => {
        port2.onmessage = (event: MessageEvent<{ result: LayerResult }>) => resolve(event.data.result);
      });
      port1.postMessage({ result }, transfer);
      expect(result.sketches[0]!.data.length).toBe(0); // handed over, not copied
      expect(await received).toEqual(sent);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
