import { describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../../src/errors.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { attachAdapters, namedBase } from "../../../src/io/peft/attach-adapters.ts";
import { writePeftAdapter } from "../../../src/io/peft/write-peft-adapter.ts";
import { openTensorStream } from "../../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import { recover } from "../../../src/recover/recover.ts";
import type { ModelSource, PeftAdapter } from "../../../src/types.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

const QUERY = "vit.encoder.layer.0.attention.attention.query";

/** A model folder with one `hidden` × `hidden` query matrix (and a key, so it is a model). */
async function writeModel(folder: string, hidden: number, config: object = {}): Promise<void> {
  const data = Float32Array.from({ length: hidden * hidden }, (_, i) => Math.sin(i));
  await writeSafetensors(join(folder, "model.safetensors"), [
    { name: `${QUERY}.weight`, dtype: "F32", shape: [hidden, hidden], data },
    { name: "vit.encoder.layer.0.attention.attention.key.weight", dtype: "F32", shape: [hidden, hidden], data },
  ]);
  await writeFile(join(folder, "config.json"), JSON.stringify(config));
}

async function writeAdapter(folder: string, baseModel: string | undefined, hidden = 8, module = QUERY): Promise<void> {
  await writePeftAdapter(folder, {
    ...(baseModel ? { baseModel } : {}),
    rank: 2,
    alpha: 4,
    modules: [{ module, a: new Float32Array(2 * hidden).fill(0.1), b: new Float32Array(2 * hidden).fill(0.1), fanIn: hidden, fanOut: hidden }],
  });
}

const stored = (id: string, path = `/models/${id}`): ModelSource => ({ id, path, tensors: [] });
const named = (baseModel: string | undefined) => ({ baseModel }) as PeftAdapter;

describe("namedBase", () => {
  test("by id, by the last segment of a hub name, by path, then by a unique config.json _name_or_path", () => {
    const models = [stored("vit-tiny"), stored("ft", "/data/ft"), stored("other")];
    expect(namedBase(named("vit-tiny"), models, [])?.id).toBe("vit-tiny");
    expect(namedBase(named("google/vit-tiny"), models, [])?.id).toBe("vit-tiny");
    expect(namedBase(named("/data/ft/"), models, [])?.id).toBe("ft");
    expect(namedBase(named("me/renamed"), models, [undefined, undefined, "me/renamed"])?.id).toBe("other");
    // A fine-tune keeps its parent's _name_or_path: two claimants tell nothing.
    expect(namedBase(named("me/renamed"), models, ["me/renamed", undefined, "me/renamed"])).toBeUndefined();
    expect(namedBase(named(undefined), models, [])).toBeUndefined();
    expect(namedBase(named("org/absent"), models, [])).toBeUndefined();
  });
});

describe("attachAdapters", () => {
  test("attaches to the named base when its shapes fit; a named base whose shapes do not fit gets a note", async () => {
    const root = temporaryFolder("mother-attach-adapters-");
    await writeModel(join(root, "small"), 8);
    await writeModel(join(root, "large"), 16);
    await writeAdapter(join(root, "fits"), "org/small");
    await writeAdapter(join(root, "misnamed"), "large");
    const { models, unattached } = await attachAdapters(await discoverModels([root]));
    const notes = unattached.map((u) => u.note);
    expect(models.map((m) => [m.id, m.base])).toEqual([
      ["fits", "small"],
      ["large", undefined],
      ["small", undefined],
    ]);
    const fits = models[0]!;
    expect(fits.tensors.map((t) => [t.name, t.lowRank?.base.file])).toEqual([
      ["vit.encoder.layer.0.attention.attention.key.weight", undefined],
      [`${QUERY}.weight`, join(root, "small", "model.safetensors")],
    ]);
    expect(unattached.map((u) => u.model.id)).toEqual(["misnamed"]);
    expect(unattached[0]!.alignedWith).toBeUndefined(); // its config names a base: no search among the others
    expect(notes).toEqual([
      `adapter misnamed: its config names large, whose ${QUERY} does not fit (${QUERY}.weight is [16, 16], lora_B · lora_A is [8, 8]); no parent`,
    ]);
  });

  test("an adapter whose config names no base is not guessed onto a model that fits", async () => {
    const root = temporaryFolder("mother-attach-adapters-");
    await writeModel(join(root, "small"), 8);
    await writeAdapter(join(root, "anonymous"), undefined);
    const { unattached } = await attachAdapters(await discoverModels([root]));
    expect(unattached.map((u) => u.model.id)).toEqual(["anonymous"]);
    expect(unattached[0]!.alignedWith).toBe("small");
    expect(unattached[0]!.note).toMatch(/^adapter anonymous: its config names no base model; 1 model\(s\) have its shapes \(small\)/);
  });

  test("an adapter whose shapes fit no model gets a note saying so", async () => {
    const root = temporaryFolder("mother-attach-adapters-");
    await writeModel(join(root, "a"), 16);
    await writeModel(join(root, "b"), 16);
    await writeAdapter(join(root, "wide"), "org/absent", 8);
    const { unattached } = await attachAdapters(await discoverModels([root]));
    expect(unattached.map((u) => u.note)).toEqual(["adapter wide: its base org/absent is not among the inputs; no model in the set has its shapes; no parent"]);
  });

  test("module names that match no tensor of any model are an error naming the adapter file", async () => {
    const root = temporaryFolder("mother-attach-adapters-");
    await writeModel(join(root, "a"), 8);
    await writeAdapter(join(root, "llama"), "a", 8, "model.layers.0.self_attn.q_proj");
    const error = await attachAdapters(await discoverModels([root])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as Error).message).toStartWith(
      `${join(root, "llama", "adapter_model.safetensors")}: adapted module model.layers.0.self_attn.q_proj matches no weight tensor ` +
        `of any model in the set (1 models searched)`,
    );
  });

  test("recover: an orphan adapter and a single model leave nothing to recover, an error naming the adapter", async () => {
    const root = temporaryFolder("mother-attach-adapters-");
    await writeModel(join(root, "a"), 8);
    await writeAdapter(join(root, "orphan"), "org/absent");
    const error = await recover([root]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as Error).message).toStartWith(`${join(root, "orphan")}: adapter has no base model in the set, and too few other models remain`);
  });
});

describe("stacked adapters", () => {
  test("an adapter whose config names another adapter of the set is attached to it, and reads as base + Δ₁ + Δ₂", async () => {
    const root = temporaryFolder("mother-attach-adapters-");
    await writeModel(join(root, "base"), 8);
    await writeAdapter(join(root, "first"), "org/base");
    await writeAdapter(join(root, "second"), "first");
    await writeAdapter(join(root, "third"), "absent-adapter-parent");
    const { models, unattached } = await attachAdapters(await discoverModels([root]));
    expect(models.map((m) => [m.id, m.base])).toEqual([
      ["base", undefined],
      ["first", "base"],
      ["second", "first"],
    ]);
    expect(unattached.map((u) => u.model.id)).toEqual(["third"]);
    const read = (id: string) => {
      const tensor = models.find((m) => m.id === id)!.tensors.find((t) => t.name === `${QUERY}.weight`)!;
      const stream = openTensorStream(tensor);
      try {
        return stream.read(0, 64);
      } finally {
        stream.close();
      }
    };
    // Each update is (4 / 2) · B · A with every factor 0.1: 2 · 2 · 0.01 = 0.04 per value.
    const [base, first, second] = [read("base"), read("first"), read("second")];
    for (let i = 0; i < 64; i++) {
      expect(first[i]! - base[i]!).toBeCloseTo(0.04, 6);
      expect(second[i]! - base[i]!).toBeCloseTo(0.08, 6);
    }
  });

  test("an adapter stacked on an adapter that has no base gets a note saying so", async () => {
    const root = temporaryFolder("mother-attach-adapters-");
    await writeModel(join(root, "base"), 8);
    await writeModel(join(root, "other"), 8);
    await writeAdapter(join(root, "lost"), "org/absent");
    await writeAdapter(join(root, "on-lost"), "lost");
    const { unattached } = await attachAdapters(await discoverModels([root]));
    expect(unattached.find((u) => u.model.id === "on-lost")?.note).toBe("adapter on-lost: its base lost is an adapter without a base in the set; no parent");
  });
});
