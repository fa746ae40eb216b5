import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { statSync, truncateSync } from "node:fs";
import { discoverModels } from "../../src/io/discover-models.ts";
import { holdFiles } from "../../src/io/held-files.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import { fingerprintLayers, samplePositions, SAMPLES_PER_LAYER } from "../../src/index/fingerprint.ts";
import { FileReader, readFileLayers } from "../../src/index/fingerprint-file.ts";
import { MotherError } from "../../src/errors.ts";
import type { ModelSource } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { writeSmallVitModel } from "../fixtures/small-vit-model.ts";

const dir = temporaryFolder("mother-fingerprint-file-");

/** The small ViT model of `seed` written to `dir`/`name` (its MLP matrix at another scale than the attention's), as discovered. */
async function smallModel(name: string, seed: number): Promise<ModelSource> {
  const [model] = await discoverModels([await writeSmallVitModel(join(dir, name), seed, { mlpScale: 0.05 })]);
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
    const model = await smallModel("m", 3);
    const fromDisk = await readAll(model);
    const file = fingerprintLayers(model)[0]!.tensor.file;
    const release = holdFiles([[file, statSync(file).size]], (await threadKernels()).holdMemory());
    const held = await readAll(model).finally(release);
    expect(held).toEqual(fromDisk);
    expect(fromDisk.reads.every((read) => read.digest !== 0n)).toBe(true);
    expect(fromDisk.samples.filter((s) => s !== undefined).length).toBeGreaterThan(0);
  });

  test("a file cut short after its header was read: one MotherError naming it", async () => {
    const model = await smallModel("short", 4);
    const file = fingerprintLayers(model)[0]!.tensor.file;
    truncateSync(file, statSync(file).size - 1000);
    const error = await readAll(model).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).message).toContain(file);
  });
});
