import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { statSync } from "node:fs";
import { discoverModels } from "../../src/io/discover-models.ts";
import { heldBytes, holdFiles } from "../../src/io/held-files.ts";
import { threadKernels, type WeightKernels } from "../../src/kernels/weight-kernels.ts";
import { CHUNK_VALUES } from "../../src/recover/layer-pass.ts";
import { fingerprintLayers, fingerprintModel, samplePositions, SAMPLES_PER_LAYER } from "../../src/index/fingerprint.ts";
import { sweepHeldLayers, sweepsHeld } from "../../src/index/held-layer-sweep.ts";
import type { TensorInfo } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { writeSmallVitModel } from "../fixtures/small-vit-model.ts";

const dir = temporaryFolder("mother-held-sweep-");

/** The small ViT model's layers of two sizes, its attention matrices shifted apart (each layer's shift sample differs). */
const SHIFTED = { mlpScale: 0.05, layerShift: 0.001 } as const;

describe("sweepHeldLayers", () => {
  test("a held model's fingerprint (its layers swept by size) is the one read layer by layer from disk, to the bit, checksum included", async () => {
    for (const seed of [1, 2, 3]) {
      const [model] = await discoverModels([await writeSmallVitModel(join(dir, `m${seed}`), seed, SHIFTED)]);
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
    const [model] = await discoverModels([await writeSmallVitModel(join(dir, "direct"), 4, SHIFTED)]);
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
