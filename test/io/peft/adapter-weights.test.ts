import { describe, expect, test } from "bun:test";
import { adapterTensors, matchTensorName } from "../../../src/io/peft/adapter-weights.ts";
import type { LoraModule, PeftAdapter, TensorInfo } from "../../../src/types.ts";

const tensor = (name: string, shape: number[], file = "model.safetensors"): TensorInfo => ({
  name,
  dtype: "BF16",
  shape,
  file,
  offset: 0,
  byteLength: 2 * shape.reduce((p, s) => p * s, 1),
});

/** A module adapting [fanOut, fanIn] with rank 8, as peft names it (prefix already removed). */
const lora = (module: string, fanIn: number, fanOut: number): LoraModule => ({
  module,
  a: tensor(`base_model.model.${module}.lora_A.weight`, [8, fanIn], "adapter_model.safetensors"),
  b: tensor(`base_model.model.${module}.lora_B.weight`, [fanOut, 8], "adapter_model.safetensors"),
  rank: 8,
  scale: 2,
});

const adapter = (modules: LoraModule[], fanInFanOut = false, replaced: TensorInfo[] = []): PeftAdapter => ({
  configFile: "adapter_config.json",
  weightsFile: "adapter_model.safetensors",
  baseModel: undefined,
  fanInFanOut,
  modules,
  replaced,
});

/** name → [base tensor's name, transposed] for every tensor the adapter updates. */
function updates(result: ReturnType<typeof adapterTensors>): Record<string, [string, boolean] | "replaced"> {
  if (!("tensors" in result)) throw new Error(`misfit: ${JSON.stringify(result.misfit)}`);
  const out: Record<string, [string, boolean] | "replaced"> = {};
  for (const t of result.tensors) {
    if (t.lowRank) out[t.name] = [t.lowRank.base.name, t.lowRank.transposed];
    else if (t.file === "adapter_model.safetensors") out[t.name] = "replaced";
  }
  return out;
}

describe("PEFT module names map to the model's tensors", () => {
  test("ViT (Hugging Face ViTForImageClassification): query/value adapted, classifier saved whole", () => {
    const vit = [
      tensor("vit.embeddings.patch_embeddings.projection.weight", [192, 3, 16, 16]),
      tensor("vit.encoder.layer.0.attention.attention.query.weight", [192, 192]),
      tensor("vit.encoder.layer.0.attention.attention.query.bias", [192]),
      tensor("vit.encoder.layer.0.attention.attention.value.weight", [192, 192]),
      tensor("vit.encoder.layer.0.intermediate.dense.weight", [768, 192]),
      tensor("classifier.weight", [10, 192]),
    ];
    const classifier = tensor("classifier.weight", [10, 192], "adapter_model.safetensors");
    const result = adapterTensors(
      adapter([lora("vit.encoder.layer.0.attention.attention.query", 192, 192), lora("vit.encoder.layer.0.attention.attention.value", 192, 192)], false, [
        classifier,
      ]),
      vit,
    );
    expect(updates(result)).toEqual({
      "vit.encoder.layer.0.attention.attention.query.weight": ["vit.encoder.layer.0.attention.attention.query.weight", false],
      "vit.encoder.layer.0.attention.attention.value.weight": ["vit.encoder.layer.0.attention.attention.value.weight", false],
      "classifier.weight": "replaced",
    });
    if ("tensors" in result) {
      expect(result.tensors.map((t) => t.name)).toEqual(vit.map((t) => t.name));
      const query = result.tensors[1]!;
      expect([query.dtype, query.byteLength, query.shape]).toEqual(["F32", 192 * 192 * 4, [192, 192]]);
    }
  });

  test("Llama: LlamaForCausalLM names (model.layers.N…), and LlamaModel's (layers.N…) found by suffix", () => {
    const llama = [
      tensor("model.embed_tokens.weight", [32000, 256]),
      tensor("model.layers.0.self_attn.q_proj.weight", [256, 256]),
      tensor("model.layers.0.self_attn.k_proj.weight", [64, 256]),
      tensor("model.layers.0.mlp.down_proj.weight", [256, 688]),
      tensor("model.layers.10.self_attn.k_proj.weight", [64, 256]),
      tensor("lm_head.weight", [32000, 256]),
    ];
    const causal = adapterTensors(
      adapter([
        lora("model.layers.0.self_attn.q_proj", 256, 256),
        lora("model.layers.0.self_attn.k_proj", 256, 64),
        lora("model.layers.0.mlp.down_proj", 688, 256),
      ]),
      llama,
    );
    expect(updates(causal)).toEqual({
      "model.layers.0.self_attn.q_proj.weight": ["model.layers.0.self_attn.q_proj.weight", false],
      "model.layers.0.self_attn.k_proj.weight": ["model.layers.0.self_attn.k_proj.weight", false],
      "model.layers.0.mlp.down_proj.weight": ["model.layers.0.mlp.down_proj.weight", false],
    });
    // `layers.0.self_attn.k_proj` must not be taken for layer 10's (a suffix match is whole segments).
    const bare = adapterTensors(adapter([lora("layers.0.self_attn.k_proj", 256, 64)]), llama);
    expect(updates(bare)).toEqual({ "model.layers.0.self_attn.k_proj.weight": ["model.layers.0.self_attn.k_proj.weight", false] });
  });

  test("GPT-2 Conv1D (weights stored [in, out], fan_in_fan_out): transformer.h.N.attn.c_attn on either naming of the checkpoint", () => {
    const adapted = adapter([lora("transformer.h.0.attn.c_attn", 64, 192), lora("transformer.h.0.mlp.c_proj", 256, 64)], true);
    const hub = [tensor("wte.weight", [500, 64]), tensor("h.0.attn.c_attn.weight", [64, 192]), tensor("h.0.mlp.c_proj.weight", [256, 64])];
    expect(updates(adapterTensors(adapted, hub))).toEqual({
      "h.0.attn.c_attn.weight": ["h.0.attn.c_attn.weight", true],
      "h.0.mlp.c_proj.weight": ["h.0.mlp.c_proj.weight", true],
    });
    const prefixed = hub.map((t) => ({ ...t, name: `transformer.${t.name}` }));
    expect(updates(adapterTensors(adapted, prefixed))).toEqual({
      "transformer.h.0.attn.c_attn.weight": ["transformer.h.0.attn.c_attn.weight", true],
      "transformer.h.0.mlp.c_proj.weight": ["transformer.h.0.mlp.c_proj.weight", true],
    });
  });

  test("a square Conv1D weight takes its orientation from fan_in_fan_out", () => {
    const square = [tensor("h.0.attn.c_proj.weight", [64, 64])];
    expect(updates(adapterTensors(adapter([lora("transformer.h.0.attn.c_proj", 64, 64)], true), square))["h.0.attn.c_proj.weight"]).toEqual([
      "h.0.attn.c_proj.weight",
      true,
    ]);
    expect(updates(adapterTensors(adapter([lora("transformer.h.0.attn.c_proj", 64, 64)], false), square))["h.0.attn.c_proj.weight"]).toEqual([
      "h.0.attn.c_proj.weight",
      false,
    ]);
  });

  test("misfits name the module: no tensor of that name, or a shape the factors do not fit", () => {
    const vit = [tensor("vit.encoder.layer.0.attention.attention.query.weight", [192, 192])];
    expect(adapterTensors(adapter([lora("model.layers.0.self_attn.q_proj", 192, 192)]), vit)).toEqual({
      misfit: { module: "model.layers.0.self_attn.q_proj", reason: "name", detail: "no weight of that name" },
    });
    const misfit = adapterTensors(adapter([lora("vit.encoder.layer.0.attention.attention.query", 384, 384)]), vit);
    expect("misfit" in misfit && misfit.misfit.reason).toBe("shape");
  });

  test("a saved head for a new label space replaces the base's head of another size, or is added to a headless base", () => {
    const query = lora("vit.encoder.layer.0.attention.attention.query", 192, 192);
    const head = tensor("classifier.weight", [3, 192], "adapter_model.safetensors");
    const classifier = [tensor("vit.encoder.layer.0.attention.attention.query.weight", [192, 192]), tensor("classifier.weight", [10, 192])];
    const replaced = adapterTensors(adapter([query], false, [head]), classifier);
    expect("tensors" in replaced && replaced.tensors.map((t) => [t.name, t.shape])).toEqual([
      ["vit.encoder.layer.0.attention.attention.query.weight", [192, 192]],
      ["classifier.weight", [3, 192]],
    ]);
    const headless = adapterTensors(adapter([query], false, [head]), classifier.slice(0, 1));
    expect("tensors" in headless && headless.tensors.map((t) => t.name)).toEqual(["vit.encoder.layer.0.attention.attention.query.weight", "classifier.weight"]);
    // Without a low-rank module nothing says the adapter fits: a saved tensor of another shape is still a misfit.
    const onlySaved = adapterTensors(adapter([], false, [head]), classifier);
    expect("misfit" in onlySaved && onlySaved.misfit.reason).toBe("shape");
  });

  test("matchTensorName: exact first, then the adapter's leading segments dropped, then a unique longer name", () => {
    const byName = new Map(["a.b.c.weight", "x.b.c.weight", "b.c.weight", "q.r.weight"].map((name) => [name, { name }]));
    expect(matchTensorName("a.b.c.weight", byName)?.name).toBe("a.b.c.weight");
    expect(matchTensorName("z.b.c.weight", byName)?.name).toBe("b.c.weight");
    expect(matchTensorName("c.weight", byName)).toBeUndefined(); // ambiguous: three names end with it
    expect(matchTensorName("r.weight", byName)?.name).toBe("q.r.weight");
  });
});
