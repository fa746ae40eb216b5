/**
 * The Llama-like decoder as an ONNX graph, HF LlamaForCausalLM semantics: token embedding,
 * depth × pre-norm block (RMSNorm → causal multi-head attention with rotary position
 * embeddings → residual; RMSNorm → SiLU-gated MLP → residual), final RMSNorm, untied
 * lm_head, next-token cross-entropy.
 *
 * Rotary embeddings use HF's rotate_half convention: for each head,
 * rope(x) = x·cos + rotate_half(x)·sin, rotate_half(x) = [−x₂, x₁] (halves of the head).
 * cos/sin are precomputed constants (tiled over heads and batch), and rotate_half is a
 * constant signed permutation applied as one MatMul on [B·T, dim] — 4 nodes per q or k.
 */
import {
  add,
  crossEntropy,
  type ElemType,
  gather,
  type Graph,
  linear,
  matmul,
  mul,
  multiHeadAttention,
  reshape,
  rmsNorm,
  silu,
  type Sym,
} from "../onnx/index.ts";
import { type LlamaConfig, llamaBlockNames } from "./llama-config.ts";
import type { ParamLookup } from "./param-spec.ts";
import { assert } from "../errors.ts";

/** cos and sin tables [contextLength, dim] for rotary embeddings, tiled over heads (HF layout). */
export function rotaryTables(config: LlamaConfig): { cos: Float64Array; sin: Float64Array } {
  const headDim = config.dim / config.heads;
  const half = headDim / 2;
  const cos = new Float64Array(config.contextLength * config.dim);
  const sin = new Float64Array(config.contextLength * config.dim);
  for (let position = 0; position < config.contextLength; position++) {
    for (let head = 0; head < config.heads; head++) {
      for (let i = 0; i < headDim; i++) {
        // HF: inv_freq = 1 / theta^(2j/headDim), emb = cat(freqs, freqs)
        const frequency = 1 / config.ropeTheta ** ((2 * (i % half)) / headDim);
        const at = position * config.dim + head * headDim + i;
        cos[at] = Math.cos(position * frequency);
        sin[at] = Math.sin(position * frequency);
      }
    }
  }
  return { cos, sin };
}

/** The [dim, dim] matrix R with x·R = rotate_half(x) per head. */
function rotateHalfMatrix(config: LlamaConfig): Float64Array {
  const headDim = config.dim / config.heads;
  const half = headDim / 2;
  const matrix = new Float64Array(config.dim * config.dim);
  for (let head = 0; head < config.heads; head++) {
    const base = head * headDim;
    for (let i = 0; i < half; i++) {
      // out[i] = −x[i + half]; out[i + half] = x[i]
      matrix[(base + i + half) * config.dim + base + i] = -1;
      matrix[(base + i) * config.dim + base + i + half] = 1;
    }
  }
  return matrix;
}

function typedConstant(graph: Graph, values: Float64Array, shape: number[], elemType: ElemType): Sym {
  return graph.constant(elemType === "float64" ? values : Float32Array.from(values), shape, elemType);
}

/**
 * Rotary position embedding for the 2-D stream [B·T, dim] (rows ordered batch-major):
 * x·cos + (x·R)·sin with cos/sin tiled over the batch so no reshapes are needed.
 */
export function rotaryEmbedding(graph: Graph, config: LlamaConfig, batch: number, floatType: ElemType): (x: Sym) => Sym {
  const tables = rotaryTables(config);
  const tile = (table: Float64Array): Float64Array => {
    const tiled = new Float64Array(batch * table.length);
    for (let b = 0; b < batch; b++) tiled.set(table, b * table.length);
    return tiled;
  };
  const rows = batch * config.contextLength;
  const cos = typedConstant(graph, tile(tables.cos), [rows, config.dim], floatType);
  const sin = typedConstant(graph, tile(tables.sin), [rows, config.dim], floatType);
  const rotate = typedConstant(graph, rotateHalfMatrix(config), [config.dim, config.dim], floatType);
  return (x) => add(mul(x, cos), mul(matmul(x, rotate), sin));
}

/** Logits [B·T, vocab] for int64 `inputIds` [B, T] (T = contextLength). */
export function llamaLogits(params: ParamLookup, inputIds: Sym, config: LlamaConfig): Sym {
  const [batch, seq] = inputIds.shape as [number, number];
  assert(seq === config.contextLength, `llama: sequence length ${seq} differs from contextLength ${config.contextLength}`);
  const embed = params("model.embed_tokens.weight");
  const graph = embed.graph;
  const floatType = embed.elemType;
  const rope = rotaryEmbedding(graph, config, batch, floatType);

  let hidden = reshape(gather(embed, inputIds), [batch * seq, config.dim]);
  for (let index = 0; index < config.depth; index++) {
    const names = llamaBlockNames(index);
    const h = rmsNorm(hidden, params(names.inputLayernorm), config.rmsNormEps);
    const attended = multiHeadAttention(rope(linear(h, params(names.query))), rope(linear(h, params(names.key))), linear(h, params(names.value)), {
      batch,
      seq,
      heads: config.heads,
      causal: true,
    });
    hidden = add(hidden, linear(attended, params(names.attentionOutput)));
    const m = rmsNorm(hidden, params(names.postAttentionLayernorm), config.rmsNormEps);
    const gated = mul(silu(linear(m, params(names.gate))), linear(m, params(names.up)));
    hidden = add(hidden, linear(gated, params(names.down)));
  }
  return linear(rmsNorm(hidden, params("model.norm.weight"), config.rmsNormEps), params("lm_head.weight"));
}

/** Mean next-token cross-entropy: `labels` [B, T] are the inputs shifted left by one. */
export function llamaNextTokenLoss(params: ParamLookup, inputIds: Sym, labels: Sym, config: LlamaConfig): Sym {
  const [batch, seq] = inputIds.shape as [number, number];
  return crossEntropy(llamaLogits(params, inputIds, config), reshape(labels, [batch * seq]));
}
