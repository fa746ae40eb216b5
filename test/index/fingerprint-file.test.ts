import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { statSync, truncateSync } from "node:fs";
import { discoverModels } from "../../src/io/discover-models.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { holdFiles } from "../../src/io/held-files.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import { fingerprintLayers, samplePositions, SAMPLES_PER_LAYER } from "../../src/index/fingerprint.ts";
import { FileReader, readFileLayers } from "../../src/index/fingerprint-file.ts";
import { MotherError } from "../../src/errors.ts";
import type { ModelSource } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-fingerprint-file-");

/** A model of three 40 × 40 attention matrices and a 160 × 40 MLP matrix, values from `seed`. */
async function writeModel(name: string, seed: number): Promise<ModelSource> {
  const folder = join(dir, name);
  const tensors = ["query", "key", "value"].map((p, l) => ({
    name: `vit.encoder.layer.0.attention.attention.${p}.weight`,
    dtype: "F32" as const,
    shape: [40, 40],
    data: Float64Array.from(makeGaussian(1600, seed * 10 + l), (x) => 0.02 * x),
  }));
  tensors.push({
    name: "vit.encoder.layer.0.intermediate.dense.weight",
    dtype: "F32",
    shape: [160, 40],
    data: Float64Array.from(makeGaussian(6400, seed), (x) => 0.05 * x),
  });
  await writeSafetensors(join(folder, "model.safetensors"), tensors);
  const [model] = await discoverModels([folder]);
  return model!;
}

/** Reads every selected layer of `model`'s one file: the reads and the samples written. */
async function readAll(model: ModelSource) {
  const planned = fingerprintLayers(model);
  const samples = planned.map((p) => (p.layer.distance ? new Float32Array(SAMPLES_PER_LAYER) : undefined));
  const layers = planned.map((p, l) => ({ tensor: p.tensor, positions: samples[l] ? samplePositions(p.layer) : undefined, out: samples[l] }));
  const reader = new FileReader();
  try {
    const reads = await readFileLayers(await threadKernels(), reader, planned[0]!.tensor.file, layers, true);
    return { reads, samples };
  } finally {
    reader.close();
  }
}

describe("readFileLayers", () => {
  test("a file read from disk (one pread of its layers' span) and the same file held in kernel memory (swept where it lies) give the same statistics, samples and digests", async () => {
    const model = await writeModel("m", 3);
    const fromDisk = await readAll(model);
    const file = fingerprintLayers(model)[0]!.tensor.file;
    const release = holdFiles([[file, statSync(file).size]], (await threadKernels()).holdMemory());
    const held = await readAll(model).finally(release);
    expect(held).toEqual(fromDisk);
    expect(fromDisk.reads.every((read) => read.digest !== 0n)).toBe(true);
    expect(fromDisk.samples.filter((s) => s !== undefined).length).toBeGreaterThan(0);
  });

  test("a file cut short after its header was read: one MotherError naming it", async () => {
    const model = await writeModel("short", 4);
    const file = fingerprintLayers(model)[0]!.tensor.file;
    truncateSync(file, statSync(file).size - 1000);
    const error = await readAll(model).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).message).toContain(file);
  });
});
