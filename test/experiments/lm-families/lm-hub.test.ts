/**
 * experiments/lm-families/lm_hub.py, held-out set 6's architectures: each saves transformers'
 * names and shapes (a Mixtral router and experts, StableLM's and Starcoder2's biases, BLOOM's
 * embedding LayerNorm and fused q/k/v, GPT-J's head bias) and trains a few steps with the hf init.
 * Skipped when Debian's Python lacks torch.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { hasTorch, job, type Tensors, tensors, tiny, train, trainingFolder } from "../../fixtures/torch-lm-run.ts";

const shapes = (t: Tensors) => Object.fromEntries([...t].map(([name, { info }]) => [name, info.shape]));

describe.skipIf(!hasTorch)("lm_hub.py architectures of held-out set 6", () => {
  test("Mixtral, StableLM 2, Starcoder2, BLOOM and GPT-J save transformers' names, shapes and configs", async () => {
    const dir = await trainingFolder();
    // dim 8, 2 heads of 4, 1 key/value head; Mixtral: 3 experts of 16, 2 per token.
    const config = { ...tiny, kv_heads: 1, rotary_pct: 0.5, experts: 3, top_k: 2, router_aux: 0.02 };
    const archs = ["mixtral", "stablelm", "starcoder2", "bloom", "gptj"] as const;
    const runs = await Promise.all(
      archs.map((arch) =>
        train(dir, arch, {
          ...job(arch, { kind: "adamw", wd: 0.1 }, "F32"),
          config: arch === "bloom" ? tiny : arch === "starcoder2" ? { ...config, tied: true } : config,
          init: "hf",
        }),
      ),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    const [mixtral, stablelm, starcoder2, bloom, gptj] = (await Promise.all(runs.map((r) => tensors(r.out)))) as [Tensors, Tensors, Tensors, Tensors, Tensors];
    expect(shapes(mixtral)).toMatchObject({
      "model.layers.0.block_sparse_moe.gate.weight": [3, 8],
      "model.layers.0.block_sparse_moe.experts.2.w1.weight": [16, 8],
      "model.layers.0.block_sparse_moe.experts.2.w2.weight": [8, 16],
      "model.layers.0.block_sparse_moe.experts.2.w3.weight": [16, 8],
      "model.layers.0.self_attn.k_proj.weight": [4, 8],
      "lm_head.weight": [256, 8],
    });
    expect([...mixtral.keys()].some((name) => name.includes(".mlp."))).toBe(false);
    // StableLM 2: LayerNorm and q/k/v with biases, o_proj and the SwiGLU MLP without.
    expect(shapes(stablelm)).toMatchObject({ "model.layers.0.input_layernorm.bias": [8], "model.layers.0.self_attn.q_proj.bias": [8], "model.norm.bias": [8] });
    expect(stablelm.has("model.layers.0.self_attn.o_proj.bias") || stablelm.has("model.layers.0.mlp.up_proj.bias")).toBe(false);
    // Starcoder2: every projection with a bias, c_fc/c_proj; tied as asked (no lm_head).
    expect(shapes(starcoder2)).toMatchObject({
      "model.layers.0.self_attn.o_proj.bias": [8],
      "model.layers.0.mlp.c_fc.weight": [16, 8],
      "model.layers.0.mlp.c_proj.bias": [8],
    });
    expect(starcoder2.has("lm_head.weight")).toBe(false);
    // BLOOM: the embedding's LayerNorm, every head's q, k and v fused, tied.
    expect(shapes(bloom)).toMatchObject({
      "transformer.word_embeddings_layernorm.weight": [8],
      "transformer.h.0.self_attention.query_key_value.weight": [24, 8],
      "transformer.h.0.mlp.dense_h_to_4h.bias": [16],
      "transformer.ln_f.bias": [8],
    });
    expect(bloom.has("lm_head.weight")).toBe(false);
    // GPT-J: one ln_1, no attention biases, fc_in/fc_out with biases, a head with a bias.
    expect(shapes(gptj)).toMatchObject({ "transformer.h.0.ln_1.weight": [8], "transformer.h.0.mlp.fc_in.bias": [16], "lm_head.bias": [256] });
    expect([...gptj.keys()].filter((name) => name.includes(".attn.") && name.endsWith(".bias"))).toEqual([]);
    expect(gptj.has("transformer.h.0.ln_2.weight")).toBe(false);
    const configOf = async (i: number) => JSON.parse(await readFile(join(runs[i]!.out, "config.json"), "utf8"));
    expect(await configOf(0)).toMatchObject({ model_type: "mixtral", num_local_experts: 3, num_experts_per_tok: 2, num_key_value_heads: 1 });
    expect(await configOf(3)).toMatchObject({ model_type: "bloom", tie_word_embeddings: true });
    expect(await configOf(4)).toMatchObject({ model_type: "gptj", rotary_dim: 2 });
  }, 60_000);

  test("the Mixtral router learns (its load-balancing loss reaches it); torch's own init is refused for a hub architecture", async () => {
    const dir = await trainingFolder();
    const config = { ...tiny, experts: 3, top_k: 1, router_aux: 0.02 };
    const base = await train(dir, "base", { ...job("mixtral", { kind: "adamw" }, "F32"), config, init: "hf" });
    expect(base.code).toBe(0);
    const child = await train(dir, "child", { ...job("mixtral", { kind: "adamw" }, "F32"), config, init: "hf", parent: base.out });
    expect(child.code).toBe(0);
    const [before, after] = [await tensors(base.out), await tensors(child.out)];
    const gate = "model.layers.0.block_sparse_moe.gate.weight";
    expect(after.get(gate)!.values.some((v, i) => v !== before.get(gate)!.values[i])).toBe(true);
    expect((await train(dir, "refused", { ...job("bloom", { kind: "adamw" }, "F32") })).code).not.toBe(0);
  }, 60_000);
});
