import { describe, expect, test } from "bun:test";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../../src/errors.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { moduleRank, moduleScale, parseAdapterConfig } from "../../../src/io/peft/adapter-config.ts";
import { readPeftAdapter } from "../../../src/io/peft/read-peft-adapter.ts";
import { writePeftAdapter } from "../../../src/io/peft/write-peft-adapter.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

const QUERY = "vit.encoder.layer.0.attention.attention.query";

/** A rank-2 adapter of one 4 × 4 module, as the writer stores it. */
async function adapterFolder(overrides: Partial<Parameters<typeof writePeftAdapter>[1]> = {}): Promise<string> {
  const folder = join(temporaryFolder("mother-read-peft-adapter-"), "adapter");
  await writePeftAdapter(folder, {
    baseModel: "google/vit-tiny",
    rank: 2,
    alpha: 8,
    modules: [{ module: QUERY, a: new Float32Array(8).fill(0.5), b: new Float32Array(8).fill(0.25), fanIn: 4, fanOut: 4 }],
    ...overrides,
  });
  return folder;
}

async function errorOf(run: Promise<unknown>): Promise<MotherError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MotherError);
  expect((error as Error).message.split("\n")).toHaveLength(1);
  return error as MotherError;
}

/** Rewrites the folder's config with `edit` applied. */
async function editConfig(folder: string, edit: (config: Record<string, unknown>) => void): Promise<void> {
  const file = join(folder, "adapter_config.json");
  const config = JSON.parse(await Bun.file(file).text());
  edit(config);
  await writeFile(file, JSON.stringify(config));
}

describe("readPeftAdapter", () => {
  test("reads what the writer wrote: modules without peft's prefix, factors, scale alpha / r, the named base", async () => {
    const adapter = await readPeftAdapter(await adapterFolder());
    expect(adapter.baseModel).toBe("google/vit-tiny");
    expect(adapter.modules.map((m) => [m.module, m.rank, m.scale, m.a.shape, m.b.shape])).toEqual([[QUERY, 2, 4, [2, 4], [4, 2]]]);
    expect(adapter.replaced).toEqual([]);
  });

  test("rsLoRA scales by alpha / √r; rank_pattern and alpha_pattern apply per module as peft matches them", () => {
    const base = { peft_type: "LORA", r: 4, lora_alpha: 8 };
    expect(parseAdapterConfig(JSON.stringify({ ...base, use_rslora: true }), "c").rsLora).toBe(true);
    const config = parseAdapterConfig(JSON.stringify({ ...base, rank_pattern: { q_proj: 2 }, alpha_pattern: { "layers.1.self_attn.q_proj": 16 } }), "c");
    expect(moduleRank(config, "model.layers.0.self_attn.q_proj")).toBe(2);
    expect(moduleRank(config, "model.layers.0.self_attn.v_proj")).toBe(4);
    expect(moduleScale(config, "model.layers.1.self_attn.q_proj", 2)).toBe(8);
    expect(moduleScale(config, "model.layers.0.self_attn.q_proj", 2)).toBe(4);
    expect(moduleScale({ ...config, rsLora: true }, "model.layers.0.self_attn.v_proj", 4)).toBe(4);
  });

  test("modules_to_save tensors are kept whole, named as in the model", async () => {
    const saved = [{ name: "classifier.weight", dtype: "F32" as const, shape: [2, 4], data: new Float32Array(8) }];
    const adapter = await readPeftAdapter(await adapterFolder({ saved }));
    expect(adapter.replaced.map((t) => [t.name, t.shape])).toEqual([["classifier.weight", [2, 4]]]);
  });
});

describe("bad adapters: one line naming the file", () => {
  test("config without weights", async () => {
    const folder = join(temporaryFolder("mother-read-peft-adapter-"), "a");
    await mkdir(folder);
    await writeFile(join(folder, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 2, lora_alpha: 4 }));
    const error = await errorOf(discoverModels([folder]));
    expect(error.message).toStartWith(`${join(folder, "adapter_config.json")}: adapter config without adapter weights`);
  });

  test("weights without config", async () => {
    const folder = await adapterFolder();
    await Bun.file(join(folder, "adapter_config.json")).delete();
    const error = await errorOf(discoverModels([folder]));
    expect(error.message).toStartWith(`${join(folder, "adapter_model.safetensors")}: adapter weights without adapter_config.json`);
  });

  test("pickle adapter weights (adapter_model.bin) are refused, with how to convert", async () => {
    const folder = await adapterFolder();
    await Bun.file(join(folder, "adapter_model.safetensors")).delete();
    await writeFile(join(folder, "adapter_model.bin"), "x");
    const error = await errorOf(discoverModels([folder]));
    expect(error.message).toStartWith(`${join(folder, "adapter_model.bin")}: is a pickle checkpoint`);
    expect(error.message).toContain("safe_serialization=True");
  });

  test("malformed configs: not JSON, r missing, r not a positive integer, alpha a string", async () => {
    const cases: [string, RegExp][] = [
      ["{", /malformed adapter config \(not JSON/],
      [JSON.stringify({ peft_type: "LORA", lora_alpha: 4 }), /malformed adapter config \(r: /],
      [JSON.stringify({ peft_type: "LORA", r: 0, lora_alpha: 4 }), /malformed adapter config \(r: /],
      [JSON.stringify({ peft_type: "LORA", r: 2, lora_alpha: "4" }), /malformed adapter config \(lora_alpha: /],
      [JSON.stringify([1]), /malformed adapter config/],
    ];
    for (const [text, problem] of cases) {
      const folder = await adapterFolder();
      await writeFile(join(folder, "adapter_config.json"), text);
      const error = await errorOf(discoverModels([folder]));
      expect(error.message).toStartWith(`${join(folder, "adapter_config.json")}: `);
      expect(error.message).toMatch(problem);
    }
  });

  test("unsupported peft_type and DoRA are refused by name", async () => {
    const ia3 = await adapterFolder();
    await editConfig(ia3, (config) => {
      config.peft_type = "IA3";
    });
    expect((await errorOf(discoverModels([ia3]))).message).toMatch(/unsupported peft_type: only LoRA adapters can be read \(IA3, limit LORA\)/);
    const dora = await adapterFolder();
    await editConfig(dora, (config) => {
      config.use_dora = true;
    });
    expect((await errorOf(discoverModels([dora]))).message).toMatch(/adapter_config.json: DoRA adapters \(use_dora: true\) are not supported/);
  });

  test("lora_A and lora_B that do not multiply, a rank other than r, a missing factor", async () => {
    const write = async (tensors: [string, number[]][]) => {
      const folder = await adapterFolder();
      await writeSafetensors(
        join(folder, "adapter_model.safetensors"),
        tensors.map(([name, shape]) => ({
          name: `base_model.model.${QUERY}.${name}`,
          dtype: "F32" as const,
          shape,
          data: new Float32Array(shape[0]! * shape[1]!),
        })),
      );
      return errorOf(discoverModels([folder]));
    };
    const file = (error: MotherError) => error.message.split(": ")[0];
    const mismatch = await write([
      ["lora_A.weight", [2, 4]],
      ["lora_B.weight", [4, 3]],
    ]);
    expect(file(mismatch)).toEndWith("adapter_model.safetensors");
    expect(mismatch.message).toMatch(/lora_A and lora_B shapes do not fit \(lora_A \[2, 4\], lora_B \[4, 3\], limit lora_A \[2, in\], lora_B \[out, 2\]\)/);
    const wrongRank = await write([
      ["lora_A.weight", [3, 4]],
      ["lora_B.weight", [4, 3]],
    ]);
    expect(wrongRank.message).toMatch(/shapes do not fit/);
    const missing = await write([["lora_A.weight", [2, 4]]]);
    expect(missing.message).toMatch(/has no lora_B factor/);
  });

  test("a merged model folder that kept its adapter_config.json is a model, not an adapter without weights", async () => {
    const folder = join(temporaryFolder("mother-read-peft-adapter-"), "merged");
    await writeSafetensors(join(folder, "model.safetensors"), [{ name: `${QUERY}.weight`, dtype: "F32", shape: [4, 4], data: new Float32Array(16) }]);
    await writeFile(join(folder, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 2, lora_alpha: 4 }));
    const [model] = await discoverModels([folder]);
    expect([model!.adapter, model!.tensors.map((t) => t.name)]).toEqual([undefined, [`${QUERY}.weight`]]);
  });
});
