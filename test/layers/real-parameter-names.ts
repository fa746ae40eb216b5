/**
 * Parameter names and shapes of real checkpoints (block 0 plus every non-block tensor), each
 * with the kind we expect, written out from the published model files. Shared by the
 * classify-layer and select-layers tests.
 */
import type { LayerKind } from "../../src/types.ts";

export type NamedParameter = readonly [name: string, shape: readonly number[], kind: LayerKind];

/** google/vit-base-patch16-224 (ViTForImageClassification). */
export const VIT_BASE: readonly NamedParameter[] = [
  ["vit.embeddings.cls_token", [1, 1, 768], "embedding"],
  ["vit.embeddings.position_embeddings", [1, 197, 768], "embedding"],
  ["vit.embeddings.patch_embeddings.projection.weight", [768, 3, 16, 16], "embedding"],
  ["vit.embeddings.patch_embeddings.projection.bias", [768], "embedding"],
  ["vit.encoder.layer.0.attention.attention.query.weight", [768, 768], "query"],
  ["vit.encoder.layer.0.attention.attention.query.bias", [768], "query"],
  ["vit.encoder.layer.0.attention.attention.key.weight", [768, 768], "key"],
  ["vit.encoder.layer.0.attention.attention.key.bias", [768], "key"],
  ["vit.encoder.layer.0.attention.attention.value.weight", [768, 768], "value"],
  ["vit.encoder.layer.0.attention.attention.value.bias", [768], "value"],
  ["vit.encoder.layer.0.attention.output.dense.weight", [768, 768], "attention-output"],
  ["vit.encoder.layer.0.attention.output.dense.bias", [768], "attention-output"],
  ["vit.encoder.layer.0.intermediate.dense.weight", [3072, 768], "mlp-in"],
  ["vit.encoder.layer.0.intermediate.dense.bias", [3072], "mlp-in"],
  ["vit.encoder.layer.0.output.dense.weight", [768, 3072], "mlp-out"],
  ["vit.encoder.layer.0.output.dense.bias", [768], "mlp-out"],
  ["vit.encoder.layer.0.layernorm_before.weight", [768], "norm"],
  ["vit.encoder.layer.0.layernorm_before.bias", [768], "norm"],
  ["vit.encoder.layer.0.layernorm_after.weight", [768], "norm"],
  ["vit.encoder.layer.0.layernorm_after.bias", [768], "norm"],
  ["vit.layernorm.weight", [768], "norm"],
  ["vit.layernorm.bias", [768], "norm"],
  ["classifier.weight", [1000, 768], "head"],
  ["classifier.bias", [1000], "head"],
];

/** bert-base-uncased (BertForPreTraining; the original checkpoint spells norms gamma/beta). */
export const BERT_BASE: readonly NamedParameter[] = [
  ["bert.embeddings.word_embeddings.weight", [30522, 768], "embedding"],
  ["bert.embeddings.position_embeddings.weight", [512, 768], "embedding"],
  ["bert.embeddings.token_type_embeddings.weight", [2, 768], "embedding"],
  ["bert.embeddings.LayerNorm.gamma", [768], "norm"],
  ["bert.embeddings.LayerNorm.beta", [768], "norm"],
  ["bert.encoder.layer.0.attention.self.query.weight", [768, 768], "query"],
  ["bert.encoder.layer.0.attention.self.query.bias", [768], "query"],
  ["bert.encoder.layer.0.attention.self.key.weight", [768, 768], "key"],
  ["bert.encoder.layer.0.attention.self.key.bias", [768], "key"],
  ["bert.encoder.layer.0.attention.self.value.weight", [768, 768], "value"],
  ["bert.encoder.layer.0.attention.self.value.bias", [768], "value"],
  ["bert.encoder.layer.0.attention.output.dense.weight", [768, 768], "attention-output"],
  ["bert.encoder.layer.0.attention.output.dense.bias", [768], "attention-output"],
  ["bert.encoder.layer.0.attention.output.LayerNorm.gamma", [768], "norm"],
  ["bert.encoder.layer.0.attention.output.LayerNorm.beta", [768], "norm"],
  ["bert.encoder.layer.0.intermediate.dense.weight", [3072, 768], "mlp-in"],
  ["bert.encoder.layer.0.intermediate.dense.bias", [3072], "mlp-in"],
  ["bert.encoder.layer.0.output.dense.weight", [768, 3072], "mlp-out"],
  ["bert.encoder.layer.0.output.dense.bias", [768], "mlp-out"],
  ["bert.encoder.layer.0.output.LayerNorm.gamma", [768], "norm"],
  ["bert.encoder.layer.0.output.LayerNorm.beta", [768], "norm"],
  ["bert.pooler.dense.weight", [768, 768], "head"],
  ["bert.pooler.dense.bias", [768], "head"],
  ["cls.predictions.bias", [30522], "head"],
  ["cls.predictions.transform.dense.weight", [768, 768], "head"],
  ["cls.predictions.transform.dense.bias", [768], "head"],
  ["cls.predictions.transform.LayerNorm.gamma", [768], "norm"],
  ["cls.predictions.transform.LayerNorm.beta", [768], "norm"],
  ["cls.predictions.decoder.weight", [30522, 768], "head"],
  ["cls.seq_relationship.weight", [2, 768], "head"],
  ["cls.seq_relationship.bias", [2], "head"],
];

/** roberta-base sequence-classification head (its out_proj is not attention). */
export const ROBERTA_CLASSIFIER: readonly NamedParameter[] = [
  ["roberta.encoder.layer.0.attention.self.query.weight", [768, 768], "query"],
  ["classifier.dense.weight", [768, 768], "head"],
  ["classifier.out_proj.weight", [2, 768], "head"],
];

/** meta-llama/Llama-2-7b-hf (block 0 and extras; older exports also stored rotary inv_freq). */
export const LLAMA_2_7B: readonly NamedParameter[] = [
  ["model.embed_tokens.weight", [32000, 4096], "embedding"],
  ["model.layers.0.self_attn.q_proj.weight", [4096, 4096], "query"],
  ["model.layers.0.self_attn.k_proj.weight", [4096, 4096], "key"],
  ["model.layers.0.self_attn.v_proj.weight", [4096, 4096], "value"],
  ["model.layers.0.self_attn.o_proj.weight", [4096, 4096], "attention-output"],
  ["model.layers.0.self_attn.rotary_emb.inv_freq", [64], "other"],
  ["model.layers.0.mlp.gate_proj.weight", [11008, 4096], "mlp-gate"],
  ["model.layers.0.mlp.up_proj.weight", [11008, 4096], "mlp-in"],
  ["model.layers.0.mlp.down_proj.weight", [4096, 11008], "mlp-out"],
  ["model.layers.0.input_layernorm.weight", [4096], "norm"],
  ["model.layers.0.post_attention_layernorm.weight", [4096], "norm"],
  ["model.norm.weight", [4096], "norm"],
  ["lm_head.weight", [32000, 4096], "head"],
];

/** Variants of the decoder family: Qwen2 (q/k/v biases, GQA), Qwen3 (q/k norms), Mixtral experts, Meta's own names. */
export const DECODER_VARIANTS: readonly NamedParameter[] = [
  ["model.layers.3.self_attn.q_proj.bias", [896], "query"],
  ["model.layers.3.self_attn.k_proj.weight", [128, 896], "key"],
  ["model.layers.3.self_attn.q_norm.weight", [128], "norm"],
  ["model.layers.3.block_sparse_moe.gate.weight", [8, 4096], "other"],
  ["model.layers.3.block_sparse_moe.experts.5.w1.weight", [14336, 4096], "mlp-gate"],
  ["model.layers.3.block_sparse_moe.experts.5.w3.weight", [14336, 4096], "mlp-in"],
  ["model.layers.3.block_sparse_moe.experts.5.w2.weight", [4096, 14336], "mlp-out"],
  ["tok_embeddings.weight", [32000, 4096], "embedding"],
  ["layers.0.attention.wq.weight", [4096, 4096], "query"],
  ["layers.0.attention.wk.weight", [4096, 4096], "key"],
  ["layers.0.attention.wv.weight", [4096, 4096], "value"],
  ["layers.0.attention.wo.weight", [4096, 4096], "attention-output"],
  ["layers.0.feed_forward.w1.weight", [11008, 4096], "mlp-gate"],
  ["layers.0.feed_forward.w3.weight", [11008, 4096], "mlp-in"],
  ["layers.0.feed_forward.w2.weight", [4096, 11008], "mlp-out"],
  ["layers.0.attention_norm.weight", [4096], "norm"],
  ["layers.0.ffn_norm.weight", [4096], "norm"],
  ["norm.weight", [4096], "norm"],
  ["output.weight", [32000, 4096], "head"],
  ["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", [8, 4096], "other"],
];

/** gpt2 (Conv1D weights are stored [in, out]; `attn.bias` is the causal-mask buffer). */
export const GPT2: readonly NamedParameter[] = [
  ["wte.weight", [50257, 768], "embedding"],
  ["wpe.weight", [1024, 768], "embedding"],
  ["h.0.ln_1.weight", [768], "norm"],
  ["h.0.ln_1.bias", [768], "norm"],
  ["h.0.attn.bias", [1, 1, 1024, 1024], "other"],
  ["h.0.attn.c_attn.weight", [768, 2304], "qkv"],
  ["h.0.attn.c_attn.bias", [2304], "qkv"],
  ["h.0.attn.c_proj.weight", [768, 768], "attention-output"],
  ["h.0.attn.c_proj.bias", [768], "attention-output"],
  ["h.0.ln_2.weight", [768], "norm"],
  ["h.0.mlp.c_fc.weight", [768, 3072], "mlp-in"],
  ["h.0.mlp.c_fc.bias", [3072], "mlp-in"],
  ["h.0.mlp.c_proj.weight", [3072, 768], "mlp-out"],
  ["h.0.mlp.c_proj.bias", [768], "mlp-out"],
  ["ln_f.weight", [768], "norm"],
  ["ln_f.bias", [768], "norm"],
];

/** openai/clip-vit-base-patch32 (text block 0, vision extras; `pre_layrnorm` is spelled so upstream). */
export const CLIP: readonly NamedParameter[] = [
  ["text_model.embeddings.token_embedding.weight", [49408, 512], "embedding"],
  ["text_model.embeddings.position_embedding.weight", [77, 512], "embedding"],
  ["text_model.encoder.layers.0.self_attn.q_proj.weight", [512, 512], "query"],
  ["text_model.encoder.layers.0.self_attn.k_proj.weight", [512, 512], "key"],
  ["text_model.encoder.layers.0.self_attn.v_proj.weight", [512, 512], "value"],
  ["text_model.encoder.layers.0.self_attn.out_proj.weight", [512, 512], "attention-output"],
  ["text_model.encoder.layers.0.layer_norm1.weight", [512], "norm"],
  ["text_model.encoder.layers.0.mlp.fc1.weight", [2048, 512], "mlp-in"],
  ["text_model.encoder.layers.0.mlp.fc2.weight", [512, 2048], "mlp-out"],
  ["text_model.final_layer_norm.weight", [512], "norm"],
  ["vision_model.embeddings.class_embedding", [768], "embedding"],
  ["vision_model.embeddings.patch_embedding.weight", [768, 3, 32, 32], "embedding"],
  ["vision_model.pre_layrnorm.weight", [768], "norm"],
  ["vision_model.post_layernorm.weight", [768], "norm"],
  ["visual_projection.weight", [512, 768], "head"],
  ["text_projection.weight", [512, 512], "head"],
  ["logit_scale", [], "other"],
];

/** diffusers UNet2DConditionModel (Stable Diffusion) transformer block and neighbours. */
export const DIFFUSERS_UNET: readonly NamedParameter[] = [
  ["down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight", [640, 640], "query"],
  ["down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k.weight", [640, 640], "key"],
  ["down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_v.weight", [640, 640], "value"],
  ["down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_out.0.weight", [640, 640], "attention-output"],
  ["down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight", [640, 768], "key"],
  ["down_blocks.1.attentions.0.transformer_blocks.0.ff.net.0.proj.weight", [5120, 640], "mlp-in"],
  ["down_blocks.1.attentions.0.transformer_blocks.0.ff.net.2.weight", [640, 2560], "mlp-out"],
  ["down_blocks.1.attentions.0.transformer_blocks.0.norm1.weight", [640], "norm"],
  ["down_blocks.1.attentions.0.norm.weight", [320], "norm"],
  ["down_blocks.1.attentions.0.proj_in.weight", [640, 640], "other"],
  ["down_blocks.1.resnets.0.conv1.weight", [640, 320, 3, 3], "other"],
  ["time_embedding.linear_1.weight", [1280, 320], "embedding"],
  ["conv_in.weight", [320, 4, 3, 3], "other"],
];

/** Other encoders and decoders seen in the wild: t5-small, EleutherAI/pythia (GPT-NeoX), timm vit_base, distilbert. */
export const OTHER_FAMILIES: readonly NamedParameter[] = [
  ["shared.weight", [32128, 512], "embedding"],
  ["encoder.block.0.layer.0.SelfAttention.q.weight", [512, 512], "query"],
  ["encoder.block.0.layer.0.SelfAttention.k.weight", [512, 512], "key"],
  ["encoder.block.0.layer.0.SelfAttention.v.weight", [512, 512], "value"],
  ["encoder.block.0.layer.0.SelfAttention.o.weight", [512, 512], "attention-output"],
  ["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", [32, 8], "other"],
  ["encoder.block.0.layer.0.layer_norm.weight", [512], "norm"],
  ["encoder.block.0.layer.1.DenseReluDense.wi.weight", [2048, 512], "mlp-in"],
  ["encoder.block.0.layer.1.DenseReluDense.wo.weight", [512, 2048], "mlp-out"],
  ["decoder.block.0.layer.1.EncDecAttention.q.weight", [512, 512], "query"],
  ["gpt_neox.embed_in.weight", [50304, 512], "embedding"],
  ["gpt_neox.layers.0.attention.query_key_value.weight", [1536, 512], "qkv"],
  ["gpt_neox.layers.0.attention.dense.weight", [512, 512], "attention-output"],
  ["gpt_neox.layers.0.mlp.dense_h_to_4h.weight", [2048, 512], "mlp-in"],
  ["gpt_neox.layers.0.mlp.dense_4h_to_h.weight", [512, 2048], "mlp-out"],
  ["gpt_neox.final_layer_norm.weight", [512], "norm"],
  ["embed_out.weight", [50304, 512], "head"],
  ["cls_token", [1, 1, 768], "embedding"],
  ["pos_embed", [1, 197, 768], "embedding"],
  ["patch_embed.proj.weight", [768, 3, 16, 16], "embedding"],
  ["blocks.0.norm1.weight", [768], "norm"],
  ["blocks.0.attn.qkv.weight", [2304, 768], "qkv"],
  ["blocks.0.attn.proj.weight", [768, 768], "attention-output"],
  ["blocks.0.mlp.fc1.weight", [3072, 768], "mlp-in"],
  ["blocks.0.mlp.fc2.weight", [768, 3072], "mlp-out"],
  ["head.weight", [1000, 768], "head"],
  ["distilbert.transformer.layer.0.attention.q_lin.weight", [768, 768], "query"],
  ["distilbert.transformer.layer.0.attention.out_lin.weight", [768, 768], "attention-output"],
  ["distilbert.transformer.layer.0.sa_layer_norm.weight", [768], "norm"],
  ["distilbert.transformer.layer.0.ffn.lin1.weight", [3072, 768], "mlp-in"],
  ["distilbert.transformer.layer.0.ffn.lin2.weight", [768, 3072], "mlp-out"],
  ["model.layers.0.self_attn.dense.weight", [2560, 2560], "attention-output"], // microsoft/phi-2
  ["model.layers.0.self_attn.qkv_proj.weight", [9216, 3072], "qkv"], // Phi-3
  ["model.layers.0.mlp.gate_up_proj.weight", [16384, 3072], "mlp-in"],
  ["transformer.blocks.0.attn.Wqkv.weight", [12288, 4096], "qkv"], // mosaicml/mpt-7b
  ["transformer.blocks.0.ffn.up_proj.weight", [16384, 4096], "mlp-in"],
  ["transformer.blocks.0.norm_1.weight", [4096], "norm"],
  ["model.decoder.layers.0.self_attn_layer_norm.weight", [768], "norm"], // facebook/opt-125m
  ["model.decoder.layers.0.fc1.weight", [3072, 768], "mlp-in"],
  ["dinov2.encoder.layer.0.layer_scale1.lambda1", [768], "other"], // facebook/dinov2-base
  ["dinov2.embeddings.mask_token", [1, 768], "embedding"],
];

/**
 * Hub decoders with fused or other names (held-out set 7's loader check): InternLM2's grouped wqkv, Baichuan 2's W_pack,
 * DeepSeek-V2-Lite's multi-head latent attention (a low-rank key/value down-projection with the shared rotary key, then its
 * up-projection to every head's keys and values), DeepSeekMoE's router and shared experts, GPT-BigCode's multi-query c_attn, Cohere.
 */
export const HUB_DECODERS: readonly NamedParameter[] = [
  ["model.tok_embeddings.weight", [92544, 4096], "embedding"], // internlm/internlm2-chat-7b
  ["model.layers.0.attention.wqkv.weight", [6144, 4096], "qkv"],
  ["model.layers.0.attention.wo.weight", [4096, 4096], "attention-output"],
  ["model.layers.0.feed_forward.w1.weight", [14336, 4096], "mlp-gate"],
  ["model.layers.0.feed_forward.w3.weight", [14336, 4096], "mlp-in"],
  ["model.layers.0.feed_forward.w2.weight", [4096, 14336], "mlp-out"],
  ["model.layers.0.attention_norm.weight", [4096], "norm"],
  ["output.weight", [92544, 4096], "head"],
  ["model.layers.0.self_attn.W_pack.weight", [12288, 4096], "qkv"], // baichuan-inc/Baichuan2-7B-Base
  ["model.layers.0.self_attn.q_proj.weight", [3072, 2048], "query"], // deepseek-ai/DeepSeek-V2-Lite
  ["model.layers.0.self_attn.kv_a_proj_with_mqa.weight", [576, 2048], "qkv"],
  ["model.layers.0.self_attn.kv_a_layernorm.weight", [512], "norm"],
  ["model.layers.0.self_attn.kv_b_proj.weight", [4096, 512], "qkv"],
  ["model.layers.0.self_attn.q_a_proj.weight", [1536, 7168], "query"], // deepseek-ai/DeepSeek-V3
  ["model.layers.0.self_attn.q_a_layernorm.weight", [1536], "norm"],
  ["model.layers.0.self_attn.q_b_proj.weight", [24576, 1536], "query"],
  ["model.layers.1.mlp.gate.weight", [64, 2048], "other"], // deepseek-ai/deepseek-moe-16b-base
  ["model.layers.1.mlp.experts.63.gate_proj.weight", [1408, 2048], "mlp-gate"],
  ["model.layers.1.mlp.shared_experts.up_proj.weight", [2816, 2048], "mlp-in"],
  ["model.layers.1.mlp.shared_experts.down_proj.weight", [2048, 2816], "mlp-out"],
  ["transformer.h.0.attn.c_attn.weight", [6400, 6144], "qkv"], // bigcode/starcoderbase (multi-query)
  ["transformer.h.0.attn.c_proj.weight", [6144, 6144], "attention-output"],
  ["transformer.h.0.mlp.c_fc.weight", [24576, 6144], "mlp-in"],
  ["transformer.wpe.weight", [8192, 6144], "embedding"],
  ["model.layers.0.input_layernorm.weight", [8192], "norm"], // CohereForAI/c4ai-command-r-v01
  ["model.layers.0.self_attn.k_proj.weight", [1024, 8192], "key"],
  ["model.decoder.embed_positions.weight", [2050, 2048], "embedding"], // facebook/opt-1.3b
  ["model.decoder.layers.0.self_attn.out_proj.weight", [2048, 2048], "attention-output"],
  ["model.decoder.layers.0.fc2.weight", [2048, 8192], "mlp-out"],
];
