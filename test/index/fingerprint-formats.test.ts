/**
 * Fingerprints of GGUF copies and PEFT adapters: a GGUF copy is sampled at its safetensors
 * source's positions in Hugging Face names and row order (an F32 copy gives the very same
 * samples, a Q8_0 copy its dequantized values); an adapter folder's entry is its files and a
 * digest of them; an adapter on its base is sampled as base + Δ.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { indexModels } from "../../src/index/build-index.ts";
import { discoverModels } from "../../src/io/discover-models.ts";
import { writeGgufFromHf, type HfTensor } from "../../src/io/gguf/write-gguf.ts";
import { attachAdapters } from "../../src/io/peft/attach-adapters.ts";
import { writePeftAdapter } from "../../src/io/peft/write-peft-adapter.ts";
import { readTensor } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import {
  ADAPTER_ARCHITECTURE,
  fingerprintLayers,
  fingerprintModel,
  SAMPLES_PER_LAYER,
  samplePositions,
  type Fingerprint,
} from "../../src/index/fingerprint.ts";
import type { ModelSource } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-fingerprint-formats-");

/** A two-block Llama-like model: Q (4 heads of 16 rows), K (2 heads), V, O and an MLP, 64 wide. */
function llamaTensors(seed: number): HfTensor[] {
  const shapes: [string, number[]][] = [];
  for (let b = 0; b < 2; b++) {
    const p = `model.layers.${b}`;
    shapes.push([`${p}.self_attn.q_proj.weight`, [64, 64]], [`${p}.self_attn.k_proj.weight`, [32, 64]], [`${p}.self_attn.v_proj.weight`, [32, 64]]);
    shapes.push([`${p}.self_attn.o_proj.weight`, [64, 64]], [`${p}.mlp.gate_proj.weight`, [128, 64]], [`${p}.mlp.down_proj.weight`, [64, 128]]);
    shapes.push([`${p}.input_layernorm.weight`, [64]]);
  }
  return shapes.map(([name, shape], i) => ({
    name,
    shape,
    data: Float32Array.from(
      makeGaussian(
        shape.reduce((a, b) => a * b, 1),
        seed * 100 + i,
      ),
      (x) => 0.02 * x,
    ),
  }));
}

async function writeSource(name: string, tensors: readonly HfTensor[]): Promise<string> {
  const folder = join(dir, name);
  await Bun.write(join(folder, "config.json"), "{}");
  await writeSafetensors(
    join(folder, "model.safetensors"),
    tensors.map((t) => ({ ...t, dtype: "F32" as const })),
  );
  return folder;
}

/** Every distance layer's samples of `model` are its tensor's values (as the layer pass reads them) at the seeded positions. */
async function expectSamplesAreValues(model: ModelSource, fingerprint: Fingerprint): Promise<void> {
  let sampled = 0;
  for (const { layer, tensor } of fingerprintLayers(model)) {
    if (!layer.distance) continue;
    const values = await readTensor(tensor);
    const got = fingerprint.samples.subarray(sampled * SAMPLES_PER_LAYER, ++sampled * SAMPLES_PER_LAYER);
    samplePositions(layer).forEach((position, i) => expect(got[i]).toBe(Math.fround(values[position]!)));
  }
  expect(sampled).toBeGreaterThan(0);
}

describe("fingerprints of GGUF copies", () => {
  test("an F32 copy (rotary rows stored permuted) gives its source's layers, samples and statistics", async () => {
    const tensors = llamaTensors(1);
    const source = await writeSource("src-f32", tensors);
    await writeGgufFromHf(join(dir, "copy-f32.gguf"), tensors, { type: "F32", headCount: 4, headCountKv: 2 });
    const [copy, model] = await discoverModels([join(dir, "copy-f32.gguf"), source]);
    expect(copy!.format).toBe("gguf");
    const [fc, fm] = [await fingerprintModel(copy!), await fingerprintModel(model!)];
    expect(fc.format).toBe("gguf");
    expect(fc.architecture).toBe(fm.architecture);
    expect(fc.layers).toEqual(fm.layers);
    expect([...fc.samples]).toEqual([...fm.samples]);
    for (const [l, stats] of fm.stats.entries()) {
      expect([fc.stats[l]!.min, fc.stats[l]!.max, fc.stats[l]!.count]).toEqual([stats.min, stats.max, stats.count]);
      expect(fc.stats[l]!.variance).toBeCloseTo(stats.variance, 12);
    }
    // Equal weights, equal digest: the decoded values are what is digested.
    expect(fc.checksum).toBe(fm.checksum);
  });

  test("a Q8_0 copy is sampled at its dequantized values, close to its source's", async () => {
    const tensors = llamaTensors(2);
    const source = await writeSource("src-q8", tensors);
    await writeGgufFromHf(join(dir, "copy-q8.gguf"), tensors, { type: "Q8_0", headCount: 4, headCountKv: 2 });
    const [copy, model] = await discoverModels([join(dir, "copy-q8.gguf"), source]);
    const [fc, fm] = [await fingerprintModel(copy!), await fingerprintModel(model!)];
    expect(fc.architecture).toBe(fm.architecture);
    expect(fc.checksum).not.toBe(fm.checksum);
    await expectSamplesAreValues(copy!, fc);
    // Q8_0 rounds each value to 1/127 of its block's largest: far below the weights' spread.
    let worst = 0;
    for (let i = 0; i < fm.samples.length; i++) worst = Math.max(worst, Math.abs(fc.samples[i]! - fm.samples[i]!));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(0.002);
  });
});

describe("fingerprints of PEFT adapters", () => {
  async function writeAdapter(name: string, base: string, alpha = 16): Promise<string> {
    const folder = join(dir, name);
    const module = "model.layers.0.self_attn.q_proj";
    await writePeftAdapter(folder, {
      baseModel: base,
      rank: 2,
      alpha,
      modules: [
        {
          module,
          a: Float32Array.from(makeGaussian(128, 7), (x) => 0.1 * x),
          b: Float32Array.from(makeGaussian(128, 8), (x) => 0.1 * x),
          fanIn: 64,
          fanOut: 64,
        },
      ],
    });
    return folder;
  }

  test("an adapter not on a base is its files and their digest: no layers, nothing sampled", async () => {
    const folder = await writeAdapter("lora-a", "base-a");
    const [adapter] = await discoverModels([folder]);
    const fingerprint = await fingerprintModel(adapter!);
    expect(fingerprint.format).toBe("peft");
    expect(fingerprint.architecture).toBe(ADAPTER_ARCHITECTURE);
    expect(fingerprint.layers).toEqual([]);
    expect(fingerprint.samples.length).toBe(0);
    expect(fingerprint.files.map(([file]) => file.split("/").at(-1))).toEqual(["adapter_config.json", "adapter_model.safetensors"]);
    // The config is part of what the adapter is (its scale, its base): another alpha, another digest.
    const [other] = await discoverModels([await writeAdapter("lora-b", "base-a", 32)]);
    expect((await fingerprintModel(other!)).checksum).not.toBe(fingerprint.checksum);
  });

  test("an adapter on its base is sampled as base + Δ", async () => {
    const base = await writeSource("base-c", llamaTensors(3));
    const { models } = await attachAdapters(await discoverModels([base, await writeAdapter("lora-c", "base-c")]));
    const attached = models.find((m) => m.id === "lora-c")!;
    expect(attached.base).toBe("base-c");
    const [fa, fb] = [await fingerprintModel(attached), await fingerprintModel(models.find((m) => m.id === "base-c")!)];
    expect(fa.format).toBe("peft");
    expect(fa.architecture).toBe(fb.architecture);
    await expectSamplesAreValues(attached, fa);
    // Only q_proj of block 0 moved: that layer's samples differ, every other layer's are the base's.
    const distance = fa.layers.filter((layer) => layer.distance).map((layer) => layer.name);
    for (const [l, name] of distance.entries()) {
      const [a, b] = [fa, fb].map((f) => [...f.samples.subarray(l * SAMPLES_PER_LAYER, (l + 1) * SAMPLES_PER_LAYER)]);
      if (name === "model.layers.0.self_attn.q_proj.weight") expect(a).not.toEqual(b!);
      else expect(a).toEqual(b!);
    }
    expect(distance).toContain("model.layers.0.self_attn.q_proj.weight");
  });
});

describe("bad GGUF and adapter inputs while indexing", () => {
  test("a GGUF file cut short after its header was read: one MotherError naming it", async () => {
    const file = join(dir, "cut.gguf");
    await writeGgufFromHf(file, llamaTensors(4), { type: "Q8_0", headCount: 4, headCountKv: 2 });
    const [model] = await discoverModels([file]);
    // Half the data gone: selected layers among the lost ones (the last tensors may be norms, which are not read).
    await truncate(file, Math.floor((await stat(file)).size / 2));
    const error = await fingerprintModel(model!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).file).toBe(file);
  });

  test("an adapter with a malformed config: one MotherError naming its config, and the index is not written", async () => {
    const folder = join(dir, "bad-set");
    await writeSource(join("bad-set", "base"), llamaTensors(5));
    await writePeftAdapter(join(folder, "lora"), { baseModel: "base", rank: 2, alpha: 4, modules: [] });
    await Bun.write(join(folder, "lora", "adapter_config.json"), "{ not json");
    const index = join(dir, "bad-index");
    const error = await indexModels([folder], index).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).file).toBe(join(folder, "lora", "adapter_config.json"));
    expect(existsSync(index)).toBe(false);
  });
});
