import { describe, expect, test } from "bun:test";
import { checkLlamaConfig, llamaHfConfig, llamaParamSpecs, SMALL_LLAMA } from "../../src/models/llama-config.ts";

describe("llamaParamSpecs", () => {
  test("uses LlamaForCausalLM names, no biases, untied lm_head", () => {
    const specs = new Map(llamaParamSpecs(SMALL_LLAMA).map((spec) => [spec.name, spec.shape]));
    const { dim, mlpDim, vocabSize } = SMALL_LLAMA;
    expect(specs.get("model.embed_tokens.weight")).toEqual([vocabSize, dim]);
    expect(specs.get("model.layers.1.self_attn.k_proj.weight")).toEqual([dim, dim]);
    expect(specs.get("model.layers.0.mlp.gate_proj.weight")).toEqual([mlpDim, dim]);
    expect(specs.get("model.layers.0.mlp.down_proj.weight")).toEqual([dim, mlpDim]);
    expect(specs.get("model.layers.0.post_attention_layernorm.weight")).toEqual([dim]);
    expect(specs.get("model.norm.weight")).toEqual([dim]);
    expect(specs.get("lm_head.weight")).toEqual([vocabSize, dim]);
    expect([...specs.keys()].some((name) => name.endsWith(".bias"))).toBe(false);
    expect(specs.size).toBe(3 + 9 * SMALL_LLAMA.depth);
  });

  test("config.json carries LlamaConfig keys and the release dtype", () => {
    expect(llamaHfConfig(SMALL_LLAMA, "bfloat16")).toMatchObject({
      model_type: "llama",
      hidden_size: 64,
      num_key_value_heads: 4,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    });
  });

  test("rejects odd head sizes (rotary needs pairs)", () => {
    expect(() => checkLlamaConfig({ ...SMALL_LLAMA, dim: 12, heads: 4 })).toThrow(/even/);
  });
});
