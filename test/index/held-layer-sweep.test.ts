import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { statSync } from "node:fs";
import { discoverModels } from "../../src/io/discover-models.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { heldBytes, holdFiles } from "../../src/io/held-files.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { threadKernels, type WeightKernels } from "../../src/kernels/weight-kernels.ts";
import { CHUNK_VALUES } from "../../src/recover/layer-pass.ts";
import { fingerprintLayers, fingerprintModel, samplePositions, SAMPLES_PER_LAYER } from "../../src/index/fingerprint.ts";
import { sweepHeldLayers, sweepsHeld } from "../../src/index/held-layer-sweep.ts";
import type { TensorInfo } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-held-sweep-");

/** A model of layers of two sizes (three 40 × 40 attention matrices, a 160 × 40 MLP matrix), values from `seed`. */
async function writeModel(name: string, seed: number): Promise<string> {
  const folder = join(dir, name);
  const attention = ["query", "key", "value"].map((p, l) => ({
    name: `vit.encoder.layer.0.attention.attention.${p}.weight`,
    dtype: "F32" as const,
    shape: [40, 40],
    data: Float64Array.from(makeGaussian(1600, seed * 10 + l), (x) => 0.02 * x + 0.001 * l),
  }));
  const mlp = {
    name: "vit.encoder.layer.0.intermediate.dense.weight",
    dtype: "F32" as const,
    shape: [160, 40],
    data: Float64Array.from(makeGaussian(6400, seed), (x) => 0.05 * x),
  };
  await writeSafetensors(join(folder, "model.safetensors"), [...attention, mlp]);
  return folder;
}

describe("sweepHeldLayers", () => {
  test("a held model's fingerprint (its layers swept by size) is the one read layer by layer from disk, to the bit, checksum included", async () => {
    for (const seed of [1, 2, 3]) {
      const [model] = await discoverModels([await writeModel(`m${seed}`, seed)]);
      const fromDisk = await fingerprintModel(model!);
      const file = join(model!.path, "model.safetensors");
      const release = holdFiles([[file, statSync(file).size]], (await threadKernels()).holdMemory());
      try {
        const held = await fingerprintModel(model!);
        expect(held.samples).toEqual(fromDisk.samples);
        expect(held.stats).toEqual(fromDisk.stats);
        expect(held.checksum).toBe(fromDisk.checksum);
      } finally {
        release();
      }
    }
  });

  test("each layer's statistics, samples at its seeded positions and digest, in the order given", async () => {
    const [model] = await discoverModels([await writeModel("direct", 4)]);
    const fingerprint = await fingerprintModel(model!); // read layer by layer from disk: the file is not held yet
    const kernels = await threadKernels();
    const file = join(model!.path, "model.safetensors");
    const release = holdFiles([[file, statSync(file).size]], kernels.holdMemory());
    try {
      const start = kernels.pointerOf(heldBytes(file)!)!;
      const planned = fingerprintLayers(model!);
      const layers = planned.map(({ layer, tensor }) => ({
        tensor,
        pointer: start + tensor.offset,
        positions: layer.distance ? samplePositions(layer) : undefined,
        out: layer.distance ? new Float32Array(SAMPLES_PER_LAYER) : undefined,
      }));
      const reads = sweepHeldLayers(kernels, layers, true)!;
      expect(reads.map((read) => read.stats)).toEqual([...fingerprint.stats]);
      for (const [l, { tensor, positions, out }] of layers.entries()) {
        const values = new Float32Array(heldBytes(file)!.slice(tensor.offset, tensor.offset + tensor.byteLength).buffer);
        if (positions) expect([...out!]).toEqual([...positions].map((p) => values[p]!));
        expect(reads[l]!.digest).toBe(Bun.hash.wyhash(new Uint8Array(values.buffer), 0n));
      }
      expect(sweepHeldLayers(kernels, layers, false)!.every((read) => read.digest === 0n)).toBe(true);
    } finally {
      release();
    }
  });

  test("only f32 layers of one chunk, 4-byte aligned, are taken; without native kernels none is", () => {
    const tensor: TensorInfo = { name: "w", dtype: "F32", shape: [40, 40], file: "f", offset: 0, byteLength: 6400 };
    expect(sweepsHeld(tensor, 64)).toBe(true);
    expect(sweepsHeld(tensor, 66)).toBe(false);
    expect(sweepsHeld({ ...tensor, dtype: "BF16", byteLength: 3200 }, 64)).toBe(false);
    expect(sweepsHeld({ ...tensor, shape: [CHUNK_VALUES + 1], byteLength: 4 * (CHUNK_VALUES + 1) }, 64)).toBe(false);
    expect(sweepsHeld({ ...tensor, shape: [CHUNK_VALUES], byteLength: 4 * CHUNK_VALUES }, 64)).toBe(true);
    const wasm = { backend: "wasm" } as WeightKernels;
    expect(sweepHeldLayers(wasm, [{ tensor, pointer: 64, positions: undefined, out: undefined }], false)).toBeUndefined();
  });
});
