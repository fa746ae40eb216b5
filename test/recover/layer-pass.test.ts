import { describe, expect, test } from "bun:test";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import type { Dtype, TensorInfo } from "../../src/types.ts";
import { MotherError } from "../../src/errors.ts";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import {
  analyseHeldLayer,
  analyseHeldLayers,
  analyseLayer,
  analyseLayers,
  CHUNK_VALUES,
  SKETCH_CHUNK_VALUES,
  type LayerJob,
  type LayerResult,
} from "../../src/recover/layer-pass.ts";
import { resultFromWholeSample } from "../../src/recover/whole-sample.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { heldBytes, holdFiles } from "../../src/io/held-files.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

/** Layer shapes that cross chunk boundaries in different ways (whole rows per chunk). */
const SHAPES: Record<string, [number, number]> = {
  query: [300, 200], // sketched (sketch size 40), 81 rows per chunk
  value: [70, 50], // kept whole
  wide: [3, CHUNK_VALUES + 5], // a row longer than a chunk
  tall: [CHUNK_VALUES / 4 + 3, 4],
  long: [SKETCH_CHUNK_VALUES / 64 + 3, 64], // sketched, more rows than a sketch chunk
};

/** Three related models, stored as `dtypes[m]`; returns each model's tensors by name. */
async function writeModels(
  dtypes: readonly Dtype[],
  poison?: { model: number; at: number; value: number; layer?: string },
): Promise<Map<string, TensorInfo>[]> {
  const folder = temporaryFolder("mother-layer-pass-");
  const models: Map<string, TensorInfo>[] = [];
  for (const [m, dtype] of dtypes.entries()) {
    const file = join(folder, `model-${m}.safetensors`);
    const tensors = Object.entries(SHAPES).map(([name, shape], t) => {
      const count = shape[0] * shape[1];
      const root = makeGaussian(count, 10 + t);
      const own = makeGaussian(count, 100 * (m + 1) + t);
      const data = Float32Array.from(root, (x, i) => 0.02 * x + (m === 0 ? 0 : 0.001 * own[i]!) + (name === "tall" ? 1 : 0));
      if (poison?.model === m && name === (poison.layer ?? "query")) data[poison.at] = poison.value;
      return { name, dtype, shape, data };
    });
    await writeSafetensors(file, tensors);
    models.push(new Map((await openSafetensorsFile(file)).map((t) => [t.name, t])));
  }
  return models;
}

/** A layer's result read from disk while files stay held: analysed from copies of the files, which are not held. */
async function analyseLayerFromDisk(job: LayerJob): Promise<LayerResult> {
  const copies = new Map<string, string>();
  for (const tensor of job.tensors) {
    if (copies.has(tensor.file)) continue;
    const copy = `${tensor.file}.disk`;
    await Bun.write(copy, Bun.file(tensor.file));
    copies.set(tensor.file, copy);
  }
  return analyseLayer({ ...job, tensors: job.tensors.map((tensor) => ({ ...tensor, file: copies.get(tensor.file)! })) });
}

function jobsFor(models: readonly Map<string, TensorInfo>[]): LayerJob[] {
  return Object.entries(SHAPES).map(([name, shape]) => ({
    name,
    kind: "query",
    shape,
    tensors: models.map((m) => m.get(name)!),
    roles: { distance: true, score: true, sketch: true },
    sketchSize: 40,
    histogramBins: 0,
  }));
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    // Pairs that were not compared read +∞ on both sides.
    if (!Number.isFinite(expected[i]!)) {
      expect(actual[i]).toBe(expected[i]!);
      continue;
    }
    scale = Math.max(scale, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  expect(worst).toBeLessThanOrEqual(tolerance * scale);
}

function expectSameResult(kernels: LayerResult, reference: LayerResult): void {
  for (const [m, stats] of reference.stats.entries()) {
    const got = kernels.stats[m]!;
    expect([got.count, got.min, got.max]).toEqual([stats.count, stats.min, stats.max]);
    expect(Math.abs(got.variance - stats.variance) / stats.variance).toBeLessThan(1e-6);
    expect(Math.abs(got.kurtosis - stats.kurtosis) / stats.kurtosis).toBeLessThan(1e-6);
  }
  expectClose(kernels.maxAbsDiff, reference.maxAbsDiff, 1e-7);
  expectClose(kernels.meanAbsDiff, reference.meanAbsDiff, 1e-6);
  expect(kernels.sketches.length).toBe(reference.sketches.length);
  for (const [m, sketch] of reference.sketches.entries()) {
    const got = kernels.sketches[m]!;
    expect([got.rows, got.cols]).toEqual([sketch.rows, sketch.cols]);
    expect(Math.abs(got.roundingScale - sketch.roundingScale) / sketch.roundingScale).toBeLessThan(1e-6);
    expectClose(got.data, sketch.data, 1e-12);
  }
}

describe("analyseLayer", () => {
  test("the streamed SIMD kernels give the reference's statistics, distances and sketches", async () => {
    const models = await writeModels(["F32", "F32", "F32"]);
    for (const job of jobsFor(models)) expectSameResult(await analyseLayer(job, "kernels"), await analyseLayer(job, "reference"));
  });

  test("a probe job's row-sample sketches (auto's probe) match the reference too, across chunks", async () => {
    const models = await writeModels(["F32", "BF16", "F32"]);
    for (const job of jobsFor(models).filter((j) => j.name === "query" || j.name === "long")) {
      const probe = { ...job, probeWidth: 24 };
      const kernels = await analyseLayer(probe, "kernels");
      expect(kernels.sketches[0]!.cols).toBe(24);
      expectSameResult(kernels, await analyseLayer(probe, "reference"));
    }
  });

  test("with pair groups only pairs inside a group are compared (+∞ across), as in the reference", async () => {
    const models = await writeModels(["F32", "F32", "BF16"]);
    for (const job of jobsFor(models).filter((j) => j.name === "query" || j.name === "wide")) {
      const grouped = { ...job, pairGroups: [[0, 2], [1]] };
      const kernels = await analyseLayer(grouped, "kernels");
      expectSameResult(kernels, await analyseLayer(grouped, "reference"));
      const whole = await analyseLayer(job, "kernels");
      expect(kernels.maxAbsDiff[0 * 3 + 2]).toBe(whole.maxAbsDiff[0 * 3 + 2]!);
      expect(kernels.meanAbsDiff[2 * 3 + 0]).toBe(whole.meanAbsDiff[2 * 3 + 0]!);
      for (const [i, j] of [
        [0, 1],
        [1, 2],
        [2, 1],
      ]) {
        expect(kernels.maxAbsDiff[i! * 3 + j!]).toBe(Infinity);
        expect(kernels.meanAbsDiff[i! * 3 + j!]).toBe(Infinity);
      }
      expect([0, 4, 8].map((d) => kernels.maxAbsDiff[d])).toEqual([0, 0, 0]);
    }
  });

  test("a sample job reads the first rows only: its statistics are those of that prefix", async () => {
    const models = await writeModels(["F32", "BF16", "F32"]);
    const job = jobsFor(models).find((j) => j.name === "tall")!; // 4 columns
    const sample = { ...job, roles: { distance: true, score: false, sketch: false }, sampleValues: 1002 }; // → 250 whole rows
    const kernels = await analyseLayer(sample, "kernels");
    expectSameResult(kernels, await analyseLayer(sample, "reference"));
    expect(kernels.stats[0]!.count).toBe(1000);
  });

  test("a job whose clustering sample read its whole layer in one chunk is that sample's result to the bit, grouped pairs included", async () => {
    const models = await writeModels(["F32", "BF16", "F32"]);
    const jobs = jobsFor(models).map((job) => ({ ...job, roles: { ...job.roles, sketch: false } }));
    const sampleOf = (job: LayerJob): LayerJob => ({ ...job, roles: { distance: true, score: false, sketch: false }, sampleValues: CHUNK_VALUES });
    for (const job of jobs.filter((j) => j.name === "value")) {
      const sample = sampleOf(job);
      const sampled = await analyseLayer(sample);
      for (const pass of [
        job,
        { ...job, pairGroups: [[0, 2], [1]] },
        { ...job, pairGroups: [[0, 1, 2]] },
        { ...job, roles: { ...job.roles, distance: false } },
      ]) {
        const derived = resultFromWholeSample(pass, sample, sampled);
        expect(derived).toEqual(await analyseLayer(pass));
      }
      // Every model in order in one group: the sample's matrices themselves (nothing writes a result's matrices); a reordered group gets its own.
      expect(resultFromWholeSample(job, sample, sampled)!.meanAbsDiff).toBe(sampled.meanAbsDiff);
      expect(resultFromWholeSample({ ...job, pairGroups: [[2, 1, 0]] }, sample, sampled)!.meanAbsDiff).not.toBe(sampled.meanAbsDiff);
    }
    // A layer larger than one chunk, a sketched job, a partial sample or one asking for entropy is read itself.
    const wide = jobs.find((j) => j.name === "wide")!;
    expect(resultFromWholeSample(wide, sampleOf(wide), await analyseLayer(sampleOf(wide)))).toBeUndefined();
    const value = jobs.find((j) => j.name === "value")!;
    const sampled = await analyseLayer(sampleOf(value));
    expect(resultFromWholeSample({ ...value, roles: { ...value.roles, sketch: true } }, sampleOf(value), sampled)).toBeUndefined();
    expect(resultFromWholeSample({ ...value, histogramBins: 16 }, sampleOf(value), sampled)).toBeUndefined();
    expect(resultFromWholeSample(value, { ...sampleOf(value), sampleValues: 1000 }, sampled)).toBeUndefined();
  });

  test("files held in kernel memory: f32 layers swept where they lie give the results read from disk", async () => {
    const models = await writeModels(["F32", "BF16", "F32"]);
    const jobs = jobsFor(models);
    const fromDisk = await Promise.all(jobs.map((job) => analyseLayer(job)));
    const files = models.map((m) => m.get("value")!.file);
    const kernels = await threadKernels();
    const release = holdFiles(
      files.map((file) => [file, Bun.file(file).size] as const),
      kernels.holdMemory(),
    );
    try {
      expect(heldBytes(files[0]!) && kernels.pointerOf(heldBytes(files[0]!)!)).toBeDefined();
      for (const [j, job] of jobs.entries()) {
        expect(await analyseLayer(job)).toEqual(fromDisk[j]!);
        const sample = { ...job, roles: { distance: true, score: false, sketch: false }, sampleValues: 1000 };
        expect(await analyseLayer(sample)).toEqual(await analyseLayerFromDisk(sample));
      }
    } finally {
      release();
    }
    expect(heldBytes(files[0]!)).toBeUndefined();
  });

  test("a one-chunk layer of f32 models all held: every model's start and sums in one native call, the bits of the model-by-model read", async () => {
    const models = await writeModels(["F32", "F32", "F32"]);
    const kernels = await threadKernels();
    // Read from disk, not held: the streamed path's.
    expect(analyseHeldLayer({ ...jobsFor(models)[1]!, roles: { distance: true, score: true, sketch: false } }, kernels)).toBeUndefined();
    const release = holdFiles(
      models.map((m) => [m.get("value")!.file, Bun.file(m.get("value")!.file).size] as const),
      kernels.holdMemory(),
    );
    try {
      // One chunk: the whole 70 × 50 layer, its sketched and score-only forms, and every layer's clustering sample (grouped too).
      const jobs = jobsFor(models);
      const value = jobs.find((job) => job.name === "value")!;
      const unsketched = { ...value, roles: { distance: true, score: true, sketch: false } };
      const samples = jobs.map((job) => ({ ...job, roles: { distance: true, score: false, sketch: false }, sampleValues: 1000 }));
      const held = [
        unsketched,
        { ...value, roles: { distance: false, score: true, sketch: false } },
        { ...unsketched, pairGroups: [[0, 2], [1]] },
        ...samples,
        ...samples.map((job) => ({ ...job, pairGroups: [[2, 1], [0]] })),
        { ...samples[1]!, pairGroups: [[1], [2, 0]] },
      ];
      for (const job of [value, ...held]) expect(await analyseLayer(job)).toEqual(await analyseLayerFromDisk(job));
      // The held path (one native call for the starts, no streams) answers exactly the held one-chunk unsketched layers
      // (with the native kernels: the WebAssembly ones have no such call, and every layer streams).
      for (const job of held) expect(analyseHeldLayer(job, kernels)).toEqual(kernels.backend === "native" ? await analyseLayerFromDisk(job) : undefined);
      const twinned = { ...unsketched, tensors: [unsketched.tensors[0]!, ...unsketched.tensors.slice(0, 2)] };
      const streamed = [value, jobs.find((j) => j.name === "wide")!, twinned];
      for (const job of streamed) expect(analyseHeldLayer(job, kernels)).toBeUndefined();
      // All of them in one native call: each layer's result as it is alone; one layer that streams, and none is taken.
      const fromDisk: LayerResult[] = [];
      for (const job of held) fromDisk.push(await analyseLayerFromDisk(job));
      expect(analyseHeldLayers(held, kernels)).toEqual(kernels.backend === "native" ? fromDisk : undefined);
      for (const job of streamed) expect(analyseHeldLayers([...held.slice(0, 4), job, ...held.slice(4)], kernels)).toBeUndefined();
      // analyseLayers (the pool's task for them) answers the same either way, and each layer as analyseLayer does when one streams.
      expect(await analyseLayers(held)).toEqual(fromDisk);
      const mixed = [...held.slice(0, 4), value, ...held.slice(4)];
      expect(await analyseLayers(mixed)).toEqual([...fromDisk.slice(0, 4), await analyseLayerFromDisk(value), ...fromDisk.slice(4)]);
    } finally {
      release();
    }
  });

  test("the held path's zeros and grid are each model's own: a pruned copy's zeros, an int8 copy's 255 levels, as read from disk", async () => {
    // Gaussian layers have neither (0 and 0 for every model), so a held result with the two swapped would pass the test above.
    const [rows, cols] = [70, 50];
    const root = makeGaussian(rows * cols, 7);
    const int8 = Float32Array.from(root, (x, i) => {
      const row = root.subarray(Math.floor(i / cols) * cols, (Math.floor(i / cols) + 1) * cols);
      const step = row.reduce((most, v) => Math.max(most, Math.abs(v)), 0) / 127;
      return Math.round(x / step) * step;
    });
    const pruned = Float32Array.from(root, (x, i) => (i % 3 === 0 ? 0 : x));
    const folder = temporaryFolder("mother-layer-pass-grid-");
    const tensors: TensorInfo[] = [];
    for (const [m, data] of [Float32Array.from(root), int8, pruned].entries()) {
      const file = join(folder, `model-${m}.safetensors`);
      await writeSafetensors(file, [{ name: "value", dtype: "F32", shape: [rows, cols], data }]);
      tensors.push((await openSafetensorsFile(file))[0]!);
    }
    const job: LayerJob = {
      name: "value",
      kind: "query",
      shape: [rows, cols],
      tensors,
      roles: { distance: true, score: true, sketch: false },
      sketchSize: 40,
      histogramBins: 0,
    };
    const fromDisk = await analyseLayerFromDisk(job);
    expect(fromDisk.gridLevels).toEqual([0, 255, 0]);
    expect(fromDisk.zeroFraction[0]).toBe(0);
    expect(fromDisk.zeroFraction[2]).toBeCloseTo(1 / 3, 2);
    const kernels = await threadKernels();
    const release = holdFiles(
      tensors.map((tensor) => [tensor.file, Bun.file(tensor.file).size] as const),
      kernels.holdMemory(),
    );
    try {
      // The held path with the native kernels (the WebAssembly ones have none: every layer streams), and whichever path a held read takes.
      expect(analyseHeldLayer(job, kernels)).toEqual(kernels.backend === "native" ? fromDisk : undefined);
      expect(await analyseLayer(job)).toEqual(fromDisk);
    } finally {
      release();
    }
  });

  test("16-bit checkpoints are decoded into kernel memory chunk by chunk, mixed with f32 ones", async () => {
    const models = await writeModels(["BF16", "F16", "F32"]);
    for (const job of jobsFor(models)) expectSameResult(await analyseLayer(job, "kernels"), await analyseLayer(job, "reference"));
  });

  test("16-bit layers read for their statistics only (summed without widening after the first chunk) give the reference's statistics", async () => {
    const models = await writeModels(["BF16", "F16", "BF16"]);
    for (const job of jobsFor(models)) {
      const statisticsOnly = { ...job, roles: { distance: false, score: true, sketch: false } };
      expectSameResult(await analyseLayer(statisticsOnly, "kernels"), await analyseLayer(statisticsOnly, "reference"));
    }
    // …and a non-finite weight past the first chunk still surfaces.
    const poisoned = await writeModels(["F32", "BF16", "F16"], { model: 2, at: CHUNK_VALUES + 7, value: Number.NaN, layer: "tall" });
    const tall = jobsFor(poisoned)[3]!;
    const error = await analyseLayer({ ...tall, roles: { distance: false, score: true, sketch: false } }, "kernels").catch((e: unknown) => e);
    expect((error as MotherError).message).toStartWith(`${poisoned[2]!.get("tall")!.file}: tensor tall holds a non-finite weight`);
  });

  test("a tensor shared by two models (an adapter's unadapted layer is its base's) is read once, with the results of a copy read twice", async () => {
    const models = await writeModels(["F32", "BF16", "F32"]);
    const copy = await writeModels(["F32"]); // the same values as model 0, in another file
    for (const roles of [
      { distance: true, score: true, sketch: true },
      { distance: false, score: true, sketch: false },
    ]) {
      for (const job of jobsFor(models)) {
        const shared = { ...job, roles, tensors: [job.tensors[0]!, job.tensors[1]!, job.tensors[0]!, job.tensors[2]!] };
        const copied = { ...shared, tensors: [job.tensors[0]!, job.tensors[1]!, copy[0]!.get(job.name)!, job.tensors[2]!] };
        const [once, twice] = [await analyseLayer(shared), await analyseLayer(copied)];
        expect(once.stats).toEqual(twice.stats);
        expect([once.maxAbsDiff, once.meanAbsDiff, once.zeroFraction, once.gridLevels]).toEqual([
          twice.maxAbsDiff,
          twice.meanAbsDiff,
          twice.zeroFraction,
          twice.gridLevels,
        ]);
        expect(once.sketches.map((sketch) => [...sketch.data])).toEqual(twice.sketches.map((sketch) => [...sketch.data]));
        if (roles.distance) expect([once.maxAbsDiff[2]!, once.meanAbsDiff[2]!]).toEqual([0, 0]); // models 0 and 2
      }
    }
  });

  test("a NaN or Inf weight is reported against the file that holds it", async () => {
    for (const value of [Number.NaN, -Infinity]) {
      const models = await writeModels(["F32", "BF16", "F32"], { model: 1, at: 59_999, value });
      const file = models[1]!.get("query")!.file;
      const error = await analyseLayer(jobsFor(models)[0]!, "kernels").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MotherError);
      expect((error as MotherError).message).toStartWith(`${file}: tensor query holds a non-finite weight`);
    }
  });

  test("a file cut short after its header was read is reported as truncated", async () => {
    const models = await writeModels(["F32", "F32"]);
    const file = models[1]!.get("tall")!.file;
    const tall = models[1]!.get("tall")!;
    await truncate(file, tall.offset + 1000);
    const error = await analyseLayer(jobsFor(models)[3]!, "kernels").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).message).toStartWith(`${file}: truncated file: tensor tall is cut short`);
  });
});
