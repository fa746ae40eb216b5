/**
 * What a tensor is for, from its parameter name. Covers the naming conventions of the models
 * people download: Hugging Face ViT and BERT/RoBERTa/DistilBERT encoders, Llama/Mistral/Qwen/
 * Mixtral decoders (and Meta's original `wq/wk/wv/wo`), GPT-2/GPT-J/GPT-NeoX, fused projections (Phi-3, InternLM2,
 * Baichuan, MPT), DeepSeek's latent attention and shared experts, T5, CLIP, timm
 * ViTs and diffusers attention blocks. A name matches a rule when the rule's dotted segments
 * appear as whole segments in it; rules are tried in table order and the first match wins.
 * Biases get the kind of their module (`query.bias` → "query"); `selectLayers` keeps weights.
 */
import type { LayerKind } from "../types.ts";

/**
 * The rules, most specific first. Order encodes the conventions' collisions:
 * - LoRA factor matrices (`q_proj.lora_A`) are pieces of an update, not the layer → "other";
 * - norms before heads (`cls.predictions.transform.LayerNorm` is a norm);
 * - heads before attention (RoBERTa's `classifier.out_proj` is a head, not attention);
 * - attention output before MLP output (BERT/ViT `attention.output.dense` vs `output.dense`);
 * - `embed_out` (GPT-NeoX LM head) before the generic `*embed*` segment.
 */
const RULES: readonly (readonly [LayerKind, RegExp])[] = [
  ["other", segments(["lora_A", "lora_B", "lora_embedding_A", "lora_embedding_B", "lora_magnitude_vector"])],
  ["norm", /(?:^|\.)(?:[^.]*norm[^.]*|ln(?:_[a-z0-9]+)?)(?:\.|$)/i],
  // Task heads sit at the top level (`classifier.weight`, `cls.predictions.…`, `score.weight`);
  // LM heads and poolers may sit under a prefix (`bert.pooler.dense`, `gpt_neox.embed_out`).
  ["head", /^(?:[a-z_]*classifier|cls|score|head|text_projection|visual_projection)(?:\.|$)|(?:^|\.)(?:lm_head|embed_out|pooler|qa_outputs)(?:\.|$)/],
  // Fused projections of several of q/k/v: InternLM2's wqkv, Baichuan's W_pack, and DeepSeek's latent key/value pair
  // (kv_a_proj_with_mqa compresses keys and values together, kv_b_proj expands them to every head's).
  [
    "qkv",
    segments([
      "c_attn",
      "qkv",
      "to_qkv",
      "qkv_proj",
      "query_key_value",
      "Wqkv",
      "wqkv",
      "W_pack",
      "kv_a_proj_with_mqa",
      "kv_b_proj",
      "in_proj",
      "in_proj_weight",
      "in_proj_bias",
    ]),
  ],
  [
    "attention-output",
    segments([
      "attention.output.dense",
      "(?:attn|crossattention).c_proj",
      "o_proj",
      "out_proj",
      "to_out.0",
      "attention.dense",
      "self_attention.dense",
      "self_attn.dense",
      "attn.proj",
      "attention.out_lin",
      "attention.wo",
      "(?:SelfAttention|EncDecAttention).o",
      "attn.Wo",
    ]),
  ],
  ["query", segments(["query", "q_proj", "q_a_proj", "q_b_proj", "to_q", "q_lin", "q_attn", "attention.wq", "(?:SelfAttention|EncDecAttention).q"])],
  ["key", segments(["key", "k_proj", "to_k", "k_lin", "attention.wk", "(?:SelfAttention|EncDecAttention).k"])],
  ["value", segments(["value", "v_proj", "to_v", "v_lin", "attention.wv", "(?:SelfAttention|EncDecAttention).v"])],
  ["mlp-gate", segments(["gate_proj", "feed_forward.w1", "experts.[0-9]+.w1", "DenseReluDense.wi_0"])],
  [
    "mlp-in",
    segments([
      "intermediate.dense",
      "up_proj",
      "gate_up_proj",
      "c_fc",
      "fc1",
      "fc_in",
      "ff.net.0.proj",
      "dense_h_to_4h",
      "ffn.lin1",
      "feed_forward.w3",
      "experts.[0-9]+.w3",
      "DenseReluDense.wi",
      "DenseReluDense.wi_1",
    ]),
  ],
  [
    "mlp-out",
    segments([
      "output.dense",
      "down_proj",
      "mlp.c_proj",
      "fc2",
      "fc_out",
      "ff.net.2",
      "dense_4h_to_h",
      "ffn.lin2",
      "feed_forward.w2",
      "experts.[0-9]+.w2",
      "DenseReluDense.wo",
    ]),
  ],
  ["embedding", /(?:^|\.)(?:[^.]*embed[^.]*|wte|wpe|shared|cls_token|mask_token|dist_token)(?:\.|$)/i],
];

/** A regex matching any of `patterns` as whole dotted segments (`.` in a pattern = segment boundary). */
function segments(patterns: readonly string[]): RegExp {
  const alternatives = patterns.map((pattern) => pattern.split(".").join("\\."));
  return new RegExp(`(?:^|\\.)(?:${alternatives.join("|")})(?:\\.|$)`);
}

/**
 * The role of tensor `name`. `shape` settles the one bare-name case: Meta's original Llama
 * checkpoints call the LM head `output.weight`, which is a head only as a 2-D matrix.
 * Unknown names are "other" (callers fall back to square matrices, see selectLayers).
 */
export function classifyLayer(name: string, shape: readonly number[]): LayerKind {
  // Every model of a tree names its tensors alike: each name is classified once (a dozen regexes per tensor and model were ~3 % of a small tree).
  const key = `${shape.length === 2 ? "2" : "n"}${name}`;
  let kind = classified.get(key);
  if (kind === undefined) {
    kind = classifyByRules(name, shape);
    if (classified.size >= MAX_CLASSIFIED) classified.clear();
    classified.set(key, kind);
  }
  return kind;
}

/** classifyLayer's answers by name (and whether the tensor is 2-D, the one shape fact it reads), up to MAX_CLASSIFIED of them. */
const classified = new Map<string, LayerKind>();
const MAX_CLASSIFIED = 100_000;

function classifyByRules(name: string, shape: readonly number[]): LayerKind {
  for (const [kind, pattern] of RULES) if (pattern.test(name)) return kind;
  if (name === "output.weight" && shape.length === 2) return "head";
  return "other";
}
