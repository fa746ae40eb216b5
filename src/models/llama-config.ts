/**
 * Configuration of the small Llama-like decoder LM (SPEC §3 "in-the-wild" family), its
 * Hugging Face `LlamaConfig` JSON, and its parameter list under transformers' names.
 */
import type { ParamSpec } from "./param-spec.ts";
import { modelConfigInvalid } from "../messages.ts";

/** Architecture of the decoder LM. */
export interface LlamaConfig {
  readonly vocabSize: number;
  /** Hidden size (HF `hidden_size`). */
  readonly dim: number;
  /** Decoder blocks (HF `num_hidden_layers`). */
  readonly depth: number;
  /** Attention heads (no grouped-query attention: `num_key_value_heads` = heads). */
  readonly heads: number;
  /** Gated-MLP hidden size (HF `intermediate_size`). */
  readonly mlpDim: number;
  /** Training/eval sequence length; rotary tables are precomputed for it. */
  readonly contextLength: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  readonly initializerRange: number;
}

/** Default LM of the Llama-like family: ~0.2 M parameters, trains in seconds per run. */
export const SMALL_LLAMA: LlamaConfig = {
  vocabSize: 256,
  dim: 64,
  depth: 2,
  heads: 4,
  mlpDim: 172,
  contextLength: 32,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  initializerRange: 0.02,
};

/** Throws a MotherError naming the first inconsistent field. */
export function checkLlamaConfig(config: LlamaConfig): void {
  if (config.dim % config.heads !== 0) throw modelConfigInvalid("llama", "heads must divide dim", `${config.dim}/${config.heads}`);
  if ((config.dim / config.heads) % 2 !== 0) throw modelConfigInvalid("llama", "head size must be even for rotary embeddings", config.dim / config.heads);
  for (const key of ["vocabSize", "dim", "depth", "heads", "mlpDim", "contextLength"] as const) {
    if (!Number.isInteger(config[key]) || config[key] <= 0) throw modelConfigInvalid("llama", `${key} must be a positive integer`, config[key]);
  }
}

/** Names of the tensors of decoder block `index`, keyed by role. */
export function llamaBlockNames(index: number) {
  const prefix = `model.layers.${index}`;
  return {
    inputLayernorm: `${prefix}.input_layernorm.weight`,
    query: `${prefix}.self_attn.q_proj.weight`,
    key: `${prefix}.self_attn.k_proj.weight`,
    value: `${prefix}.self_attn.v_proj.weight`,
    attentionOutput: `${prefix}.self_attn.o_proj.weight`,
    postAttentionLayernorm: `${prefix}.post_attention_layernorm.weight`,
    gate: `${prefix}.mlp.gate_proj.weight`,
    up: `${prefix}.mlp.up_proj.weight`,
    down: `${prefix}.mlp.down_proj.weight`,
  } as const;
}

/** Every parameter in HF order and layout (Linear weight [out, in], no biases, untied lm_head). */
export function llamaParamSpecs(config: LlamaConfig): ParamSpec[] {
  checkLlamaConfig(config);
  const { dim, mlpDim, vocabSize } = config;
  const weight = { kind: "normal", std: config.initializerRange } as const;
  const ones = { kind: "ones" } as const;
  const specs: ParamSpec[] = [{ name: "model.embed_tokens.weight", shape: [vocabSize, dim], init: weight }];
  for (let index = 0; index < config.depth; index++) {
    const names = llamaBlockNames(index);
    specs.push(
      { name: names.inputLayernorm, shape: [dim], init: ones },
      { name: names.query, shape: [dim, dim], init: weight },
      { name: names.key, shape: [dim, dim], init: weight },
      { name: names.value, shape: [dim, dim], init: weight },
      { name: names.attentionOutput, shape: [dim, dim], init: weight },
      { name: names.postAttentionLayernorm, shape: [dim], init: ones },
      { name: names.gate, shape: [mlpDim, dim], init: weight },
      { name: names.up, shape: [mlpDim, dim], init: weight },
      { name: names.down, shape: [dim, mlpDim], init: weight },
    );
  }
  specs.push({ name: "model.norm.weight", shape: [dim], init: ones }, { name: "lm_head.weight", shape: [vocabSize, dim], init: weight });
  return specs;
}

/** The `config.json` transformers writes for a LlamaForCausalLM (dtype as saved). */
export function llamaHfConfig(config: LlamaConfig, torchDtype: "float32" | "bfloat16" = "float32"): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    vocab_size: config.vocabSize,
    hidden_size: config.dim,
    intermediate_size: config.mlpDim,
    num_hidden_layers: config.depth,
    num_attention_heads: config.heads,
    num_key_value_heads: config.heads,
    head_dim: config.dim / config.heads,
    hidden_act: "silu",
    max_position_embeddings: config.contextLength,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling: null,
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: false,
    initializer_range: config.initializerRange,
    torch_dtype: torchDtype,
  };
}
