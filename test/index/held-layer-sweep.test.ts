import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { statSync } from "node:fs";
import { discoverModels } from "../../src/io/discover-models.ts";
import { heldBytes, holdFiles } from "../../src/io/held-files.ts";
import { threadKernels, type WeightKernels } from "../../src/kernels/weight-kernels.ts";
import { CHUNK_VALUES } from "../../src/recover/layer-pass.ts";
import { fingerprintLayers, fingerprintModel, samplePositions, SAMPLES_PER_LAYER } from "../../src/index/fingerprint.ts";
import { HeldModelSweep, sweepHeldLayers, sweepsHeld } from "../../src/index/held-layer-sweep.ts";
import { KNOWN_FIELDS, packKnownLayer } from "../../src/recover/known-layers.ts";
import type { ModelSource, TensorInfo } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { writeSmallVitModel } from "../fixtures/small-vit-model.ts";

const dir = temporaryFolder("mother-held-sweep-");

/**
 * Whether this run has the native kernels: only they sweep held layers (sweepHeldLayers is undefined without them, as
 * "without native kernels none is" checks), so the tests of the sweeps' results run with them alone (MOTHER_KERNELS=wasm skips them).
 */
const native = (await threadKernels()).backend === "native";

/** The small ViT model's layers of two sizes, its attention matrices shifted apart (each layer's shift sample differs). */
const SHIFTED = { mlpScale: 0.05, layerShift: 0.001 } as const;

/** A held model's planned layers as sweepHeldLayers takes them, each distance layer with its positions and a fresh `out`; with `starts`, the others with their rows' width. */
function heldLayersOf(kernels: WeightKernels, model: ModelSource, file: string, starts: boolean) {
  const start = kernels.pointerOf(heldBytes(file)!)!;
  return fingerprintLayers(model).map(({ layer, tensor }) => ({
    tensor,
    pointer: start + tensor.offset,
    positions: layer.distance ? samplePositions(layer) : undefined,
    out: layer.distance ? new Float32Array(SAMPLES_PER_LAYER) : undefined,
    cols: starts && !layer.distance ? layer.shape[1]! : undefined,
  }));
}

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

  test.skipIf(!native)("each layer's statistics, samples at its seeded positions and digest, in the order given", async () => {
    const [model] = await discoverModels([await writeSmallVitModel(join(dir, "direct"), 4, SHIFTED)]);
    const fingerprint = await fingerprintModel(model!); // read layer by layer from disk: the file is not held yet
    const kernels = await threadKernels();
    const file = join(model!.path, "model.safetensors");
    const release = holdFiles([[file, statSync(file).size]], kernels.holdMemory());
    try {
      const layers = heldLayersOf(kernels, model!, file, false);
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

describe("HeldModelSweep", () => {
  /** A held model's fingerprint with its known layers, and what sweepHeldLayers gives for its layers (the same file held): samples, statistics, starts. */
  async function heldAndSwept(folder: string) {
    const [model] = await discoverModels([folder]);
    const fromDisk = await fingerprintModel(model!); // not held yet: read layer by layer
    const kernels = await threadKernels();
    const file = join(model!.path, "model.safetensors");
    const release = holdFiles([[file, statSync(file).size]], kernels.holdMemory());
    try {
      const held = await fingerprintModel(model!, { known: true });
      const layers = heldLayersOf(kernels, model!, file, true);
      const reads = sweepHeldLayers(kernels, layers, true)!;
      const others = fingerprintLayers(model!).flatMap((p, l) => (p.layer.distance ? [] : [l]));
      const known = new Float64Array(others.length * KNOWN_FIELDS);
      others.forEach((l, at) =>
        packKnownLayer(known, at * KNOWN_FIELDS, layers[l]!.tensor, reads[l]!.stats, reads[l]!.start!.zeroFraction, reads[l]!.start!.gridLevels),
      );
      return { model: model!, fromDisk, held, reads, known, samples: layers.flatMap((layer) => (layer.out ? [...layer.out] : [])) };
    } finally {
      release();
    }
  }

  test.skipIf(!native)(
    "models of one layout held one after another (the first one's sweep reused) and one whose tensors lie elsewhere (a longer header): each to the bit of its read from disk and of sweepHeldLayers",
    async () => {
      const folders = [
        await writeSmallVitModel(join(dir, "family-1"), 1, SHIFTED),
        await writeSmallVitModel(join(dir, "family-2"), 2, SHIFTED),
        await writeSmallVitModel(join(dir, "family-3"), 3, { ...SHIFTED, metadata: { format: "pt", note: "a header some bytes longer" } }),
        await writeSmallVitModel(join(dir, "family-4"), 4, SHIFTED),
      ];
      const offsets = new Set<number>();
      // The sweeps that read a held model, in order: the path under test must run, and the first model's be reused by the second.
      const swept: HeldModelSweep[] = [];
      const sweep = HeldModelSweep.prototype.sweep;
      HeldModelSweep.prototype.sweep = function (this: HeldModelSweep, ...args: Parameters<typeof sweep>) {
        const read = sweep.apply(this, args);
        if (read) swept.push(this);
        return read;
      };
      try {
        for (const folder of folders) {
          const { model, fromDisk, held, reads, known, samples } = await heldAndSwept(folder);
          offsets.add(model.tensors[0]!.offset);
          expect(held.stats).toEqual(fromDisk.stats);
          expect(held.samples).toEqual(fromDisk.samples);
          expect(held.checksum).toBe(fromDisk.checksum);
          expect(held.stats).toEqual(reads.map((read) => read.stats));
          expect([...held.samples]).toEqual(samples);
          expect([...held.known!.values]).toEqual([...known]); // arrays: a typed array toEqual takes NaN (entropy) for unequal
        }
      } finally {
        HeldModelSweep.prototype.sweep = sweep;
      }
      expect(offsets.size).toBe(2);
      expect(swept).toHaveLength(folders.length);
      expect(swept[1]).toBe(swept[0]!); // family-2: family-1's sweep, its offsets the same
      expect(swept[2]).not.toBe(swept[1]!); // family-3: its tensors lie elsewhere, a sweep of its own
      expect(swept[3]).not.toBe(swept[2]!);
    },
  );

  test.skipIf(!native)(
    "a layout whose layers it does not take (16-bit, or more than a chunk) is never swept so, and its held models are read as before",
    async () => {
      const tensor: TensorInfo = { name: "w", dtype: "F32", shape: [40, 40], file: "f", offset: 8, byteLength: 6400 };
      const layer = { tensorAt: 0, positions: undefined, cols: undefined };
      expect(HeldModelSweep.of([layer], [tensor])).toBeInstanceOf(HeldModelSweep);
      expect(HeldModelSweep.of([layer], [{ ...tensor, dtype: "BF16", byteLength: 3200 }])).toBeNull();
      expect(HeldModelSweep.of([layer], [{ ...tensor, shape: [CHUNK_VALUES + 1], byteLength: 4 * (CHUNK_VALUES + 1) }])).toBeNull();
      // At an offset no f32 view can start from: not swept so for this model, the next one may be.
      expect(HeldModelSweep.of([layer], [{ ...tensor, offset: 10 }])).toBeUndefined();
      for (const seed of [5, 6]) {
        const { fromDisk, held } = await heldAndSwept(await writeSmallVitModel(join(dir, `bf16-${seed}`), seed, { ...SHIFTED, dtype: "BF16" }));
        expect(held.stats).toEqual(fromDisk.stats);
        expect(held.samples).toEqual(fromDisk.samples);
        expect(held.checksum).toBe(fromDisk.checksum);
      }
    },
  );
});
