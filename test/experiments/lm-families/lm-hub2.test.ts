/**
 * experiments/lm-families/lm_hub2.py, held-out set 7's architectures: each saves the hub's names and shapes (Phi-3's and
 * InternLM2's fused projections, GPT-BigCode's multi-query c_attn and positions, OPT's offset positions, Cohere's
 * bias-free LayerNorm, DeepSeekMoE's dense first block, router, routed and shared experts) and trains a few steps with
 * the hf init. Skipped when Debian's Python lacks torch.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { hasTorch, job, type Tensors, tensors, tiny, train, trainingFolder } from "../../fixtures/torch-lm-run.ts";

const shapes = (t: Tensors) => Object.fromEntries([...t].map(([name, { info }]) => [name, info.shape]));

describe.skipIf(!hasTorch)("lm_hub2.py architectures of held-out set 7", () => {
  test("Phi-3, InternLM2, GPT-BigCode, OPT, Cohere and DeepSeekMoE save the hub's names, shapes and configs", async () => {
    const dir = await trainingFolder();
    // dim 8, 2 heads of 4 (depth 2 for DeepSeek's dense block 0 + MoE block 1); 1 key/value head where grouped.
    const archs = ["phi3", "internlm2", "gpt_bigcode", "opt", "cohere", "deepseek"] as const;
    const config = {
      phi3: tiny,
      internlm2: { ...tiny, kv_heads: 1 },
      gpt_bigcode: tiny,
      opt: tiny,
      cohere: { ...tiny, logit_scale: 0.0625 },
      deepseek: { ...tiny, depth: 2, experts: 3, top_k: 2, router_aux: 0.001, shared_experts: 2, moe_mlp: 4, first_dense: 1 },
    };
    const runs = await Promise.all(
      archs.map((arch) => train(dir, arch, { ...job(arch, { kind: "adamw", wd: 0.1 }, "F32"), config: config[arch], init: "hf" })),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    const [phi3, internlm2, bigcode, opt, cohere, deepseek] = (await Promise.all(runs.map((r) => tensors(r.out)))) as Tensors[] as [
      Tensors,
      Tensors,
      Tensors,
      Tensors,
      Tensors,
      Tensors,
    ];
    expect(shapes(phi3)).toMatchObject({
      "model.layers.0.self_attn.qkv_proj.weight": [24, 8],
      "model.layers.0.mlp.gate_up_proj.weight": [32, 8],
      "model.layers.0.mlp.down_proj.weight": [8, 16],
      "lm_head.weight": [256, 8],
    });
    // InternLM2: q of the group's 2 heads + 1 k + 1 v, each of 4 dims; the head is `output`.
    expect(shapes(internlm2)).toMatchObject({
      "model.tok_embeddings.weight": [256, 8],
      "model.layers.0.attention.wqkv.weight": [16, 8],
      "model.layers.0.attention.wo.weight": [8, 8],
      "model.layers.0.feed_forward.w1.weight": [16, 8],
      "model.layers.0.attention_norm.weight": [8],
      "output.weight": [256, 8],
    });
    // GPT-BigCode: multi-query (8 of q + one k head + one v head), learned positions, tied.
    expect(shapes(bigcode)).toMatchObject({
      "transformer.h.0.attn.c_attn.weight": [16, 8],
      "transformer.h.0.attn.c_attn.bias": [16],
      "transformer.wpe.weight": [8, 8],
      "transformer.h.0.mlp.c_proj.weight": [8, 16],
    });
    expect(bigcode.has("lm_head.weight")).toBe(false);
    // OPT: context + 2 position rows, biases on every projection, per-block final_layer_norm, tied.
    expect(shapes(opt)).toMatchObject({
      "model.decoder.embed_positions.weight": [10, 8],
      "model.decoder.layers.0.self_attn.k_proj.bias": [8],
      "model.decoder.layers.0.fc1.weight": [16, 8],
      "model.decoder.layers.0.final_layer_norm.bias": [8],
      "model.decoder.final_layer_norm.weight": [8],
    });
    expect(opt.has("lm_head.weight")).toBe(false);
    // Cohere: one LayerNorm per block with a weight and no bias, no biases anywhere, tied.
    expect(shapes(cohere)).toMatchObject({ "model.layers.0.input_layernorm.weight": [8], "model.layers.0.mlp.gate_proj.weight": [16, 8] });
    expect([...cohere.keys()].filter((name) => name.endsWith(".bias") || name.includes("post_attention") || name === "lm_head.weight")).toEqual([]);
    // DeepSeekMoE: block 0 dense, block 1 router + 3 experts of 4 + shared experts 2 × 4 wide.
    expect(shapes(deepseek)).toMatchObject({
      "model.layers.0.mlp.gate_proj.weight": [16, 8],
      "model.layers.1.mlp.gate.weight": [3, 8],
      "model.layers.1.mlp.experts.2.down_proj.weight": [8, 4],
      "model.layers.1.mlp.shared_experts.up_proj.weight": [8, 8],
      "lm_head.weight": [256, 8],
    });
    expect(deepseek.has("model.layers.0.mlp.gate.weight") || deepseek.has("model.layers.1.mlp.gate_proj.weight")).toBe(false);
    const configOf = async (i: number) => JSON.parse(await readFile(join(runs[i]!.out, "config.json"), "utf8"));
    expect(await configOf(1)).toMatchObject({ architectures: ["InternLM2ForCausalLM"], num_key_value_heads: 1, tie_word_embeddings: false });
    expect(await configOf(2)).toMatchObject({ model_type: "gpt_bigcode", multi_query: true, tie_word_embeddings: true });
    expect(await configOf(4)).toMatchObject({ model_type: "cohere", logit_scale: 0.0625 });
    expect(await configOf(5)).toMatchObject({ n_routed_experts: 3, n_shared_experts: 2, first_k_dense_replace: 1, norm_topk_prob: false });
  }, 60_000);
});
