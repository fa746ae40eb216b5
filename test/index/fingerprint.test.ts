import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { discoverModels } from "../../src/io/discover-models.ts";
import { readTensor } from "../../src/io/read-safetensors.ts";
import { layerStats, rootMeanSquareOf } from "../../src/stats/layer-stats.ts";
import { FINGERPRINT_VERSION, fingerprintLayers, fingerprintModel, SAMPLES_PER_LAYER, samplePositions } from "../../src/index/fingerprint.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { SMALL_VIT_ATTENTION, writeSmallVitModel } from "../fixtures/small-vit-model.ts";
import { copyFileSync, statSync } from "node:fs";
import { holdFiles } from "../../src/io/held-files.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";

const dir = temporaryFolder("mother-fingerprint-");

describe("fingerprintModel", () => {
  test("a file held in kernel memory is fingerprinted from there: its bytes as held, not as on disk meanwhile", async () => {
    // Two models of one layout; the first's file is held, then overwritten on disk with the second's bytes (same size).
    const [a, b] = await discoverModels([await writeSmallVitModel(join(dir, "held-a"), 11), await writeSmallVitModel(join(dir, "held-b"), 12)]);
    const [fromA, fromB] = [await fingerprintModel(a!), await fingerprintModel(b!)];
    const file = join(a!.path, "model.safetensors");
    const release = holdFiles([[file, statSync(file).size]], (await threadKernels()).holdMemory());
    copyFileSync(join(b!.path, "model.safetensors"), file);
    const held = await fingerprintModel(a!);
    release();
    const onDisk = await fingerprintModel(a!);
    const part = ({ samples, stats, checksum, architecture }: typeof fromA) => ({ samples, stats, checksum, architecture });
    expect(part(held)).toEqual(part(fromA));
    expect(part(onDisk)).toEqual(part(fromB));
    expect(part(fromA)).not.toEqual(part(fromB));
  });

  for (const dtype of ["F32", "BF16", "F64"] as const) {
    test(`${dtype}: statistics match the reference moments and samples are the stored values at the seeded positions`, async () => {
      const [model] = await discoverModels([await writeSmallVitModel(join(dir, `m-${dtype}`), 1, { dtype })]);
      const fingerprint = await fingerprintModel(model!);
      expect(fingerprint.version).toBe(FINGERPRINT_VERSION);
      const planned = fingerprintLayers(model!);
      expect(fingerprint.layers.map((l) => l.name)).toEqual(planned.map((p) => p.layer.name));
      let sampled = 0;
      for (const [l, { layer, tensor }] of planned.entries()) {
        const values = await readTensor(tensor);
        const reference = layerStats(values, 0);
        // The kernels sum x − shift in f32 lanes: agreement to ~1e-7 relative, not to the last bit.
        expect(Math.abs(fingerprint.stats[l]!.variance - reference.variance)).toBeLessThan(1e-6 * reference.variance);
        expect(fingerprint.stats[l]!.kurtosis).toBeCloseTo(reference.kurtosis, 5);
        expect(fingerprint.stats[l]!.max).toBe(reference.max);
        if (!layer.distance) continue;
        const positions = samplePositions(layer);
        const got = fingerprint.samples.subarray(sampled * SAMPLES_PER_LAYER, ++sampled * SAMPLES_PER_LAYER);
        positions.forEach((position, i) => expect(got[i]).toBe(Math.fround(values[position]!)));
      }
      expect(sampled).toBe(3);
    });
  }

  test("positions depend on the layer only, are sorted and lie inside it", () => {
    const a = samplePositions({ name: SMALL_VIT_ATTENTION[0]!, shape: [40, 40] });
    expect(samplePositions({ name: SMALL_VIT_ATTENTION[0]!, shape: [40, 40] })).toEqual(a);
    expect(samplePositions({ name: SMALL_VIT_ATTENTION[1]!, shape: [40, 40] })).not.toEqual(a);
    expect([...a].every((p, i) => p >= 0 && p < 1600 && (i === 0 || p >= a[i - 1]!))).toBe(true);
  });

  test("the checksum follows the bytes: the same weights give the same one, one changed weight another", async () => {
    // discoverModels sorts by id: nudged, same-a, same-b.
    const [c, a, b] = await discoverModels([
      await writeSmallVitModel(join(dir, "same-a"), 2),
      await writeSmallVitModel(join(dir, "same-b"), 2),
      await writeSmallVitModel(join(dir, "nudged"), 2, { nudge: 1e-3 }),
    ]);
    const [fa, fb, fc] = await Promise.all([a!, b!, c!].map((m) => fingerprintModel(m)));
    expect(fa!.checksum).toBe(fb!.checksum);
    expect(fc!.checksum).not.toBe(fa!.checksum);
    expect(fa!.architecture).toBe(fc!.architecture);
  });

  test("the checksum follows the values: the same bytes read as F16 instead of BF16 (a header-only fix, same size) give another", async () => {
    const folder = await writeSmallVitModel(join(dir, "relabel-bf16"), 5, { dtype: "BF16" });
    const relabelled = join(dir, "relabel-f16");
    const bytes = new Uint8Array(await Bun.file(join(folder, "model.safetensors")).arrayBuffer());
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + length));
    const fixed = header.replaceAll('"BF16"', '"F16"').padEnd(length, " ");
    expect(fixed.length).toBe(length);
    const out = Uint8Array.from(bytes);
    out.set(new TextEncoder().encode(fixed), 8);
    await Bun.write(join(relabelled, "config.json"), "{}");
    await Bun.write(join(relabelled, "model.safetensors"), out);
    const [bf16, f16] = await discoverModels([folder, relabelled]).then((models) => Promise.all(models.map((m) => fingerprintModel(m))));
    expect(f16!.stats[0]!.variance).not.toBe(bf16!.stats[0]!.variance);
    // The tree cache is keyed by checksums: equal ones would serve the BF16 model's tree for the F16 one.
    expect(f16!.checksum).not.toBe(bf16!.checksum);
  });

  test("the sample estimate of mean |Δw| / RMS is close to the whole layer's", async () => {
    const [a, b] = await discoverModels([await writeSmallVitModel(join(dir, "est-a"), 3), await writeSmallVitModel(join(dir, "est-b"), 4)]);
    const [fa, fb] = [await fingerprintModel(a!), await fingerprintModel(b!)];
    const tensorsA = fingerprintLayers(a!).filter((p) => p.layer.distance);
    const tensorsB = fingerprintLayers(b!).filter((p) => p.layer.distance);
    for (let l = 0; l < 3; l++) {
      const [u, v] = [await readTensor(tensorsA[l]!.tensor), await readTensor(tensorsB[l]!.tensor)];
      let exact = 0;
      for (let i = 0; i < u.length; i++) exact += Math.abs(u[i]! - v[i]!);
      exact /= u.length;
      let estimate = 0;
      for (let s = 0; s < SAMPLES_PER_LAYER; s++) estimate += Math.abs(fa.samples[l * SAMPLES_PER_LAYER + s]! - fb.samples[l * SAMPLES_PER_LAYER + s]!);
      estimate /= SAMPLES_PER_LAYER;
      const rms = rootMeanSquareOf(layerStats(u, 0));
      // Independent Gaussians: E|u − v| / RMS = 2/√π ≈ 1.13; 128 samples pin it to ~7 %.
      expect(Math.abs(estimate - exact) / rms).toBeLessThan(0.25);
    }
  });
});
