/**
 * The ViT forward pass as an ONNX graph, with HF ViT semantics (pre-norm blocks,
 * exact-erf GELU, CLS token, learned positions) and two heads: supervised classification
 * (CLS → `classifier`) and masked-patch reconstruction (SimMIM/MAE-like: masked patch
 * embeddings replaced by `mask_token`, a linear 1×1-conv decoder `decoder.0` predicts the
 * patch pixels, MSE over masked patches only).
 *
 * Pipeline (numbered as in the code):
 *   1. patchify pixels [B,3,S,S] → [B·P, 3p²] (reshape/transpose, no params)
 *   2. patch embedding: one Gemm with the conv weight viewed as [dim, 3p²]
 *   3. (masked-patch head) blend mask_token into masked positions
 *   4. prepend CLS, add positions → residual stream kept 2-D [B·T, dim]
 *   5. depth × pre-norm block (attention, MLP)
 *   6. head: classifier on CLS, or decoder on patch tokens
 * The residual stream stays 2-D between blocks so every Linear is one Gemm (SPEC §7).
 */
import { add, concat, expand, gelu, layerNorm, linear, mul, multiHeadAttention, reduceSum, reshape, slice, sub, type Sym, transpose } from "../onnx/index.ts";
import { composedLayerNorm } from "./composed-layer-norm.ts";
import type { ParamLookup } from "./param-spec.ts";
import { type VitConfig, vitBlockNames, vitPatchCount } from "./vit-config.ts";

/** Build options that do not change the math. */
export interface VitGraphOptions {
  /**
   * "onnx" uses the LayerNormalization op (fast; its f64 variant computes in f32);
   * "composed" builds LayerNorm from primitives so float64 gradient checks are exact.
   */
  readonly layerNorm?: "onnx" | "composed";
  /**
   * "erf" is HF's exact GELU; "tanh" (the approximation) exists only because ORT CPU has
   * no float64 Erf kernel, so float64 gradient checks use it.
   */
  readonly gelu?: "erf" | "tanh";
}

/** Patch pixels [B·P, 3p²] in the conv-weight order (channel, row, column) of each patch. */
export function patchify(pixels: Sym, config: VitConfig): Sym {
  const [batch] = pixels.shape as [number];
  const grid = config.imageSize / config.patch;
  const p = config.patch;
  const blocks = reshape(pixels, [batch, 3, grid, p, grid, p]);
  return reshape(transpose(blocks, [0, 2, 4, 1, 3, 5]), [batch * grid * grid, 3 * p * p]);
}

/**
 * Encoder output after the final `vit.layernorm` (HF `last_hidden_state`), 2-D [B·T, dim]
 * with T = patches + 1 (token 0 of each image is CLS). `mask` [B, P] (1 = masked) switches on step 3.
 */
export function vitEncoder(params: ParamLookup, pixels: Sym, config: VitConfig, mask?: Sym, options: VitGraphOptions = {}): Sym {
  return vitFinalNorm(params, vitBlocks(params, patchify(pixels, config), pixels.shape[0]!, config, mask, options), config, options);
}

function vitLayerNorm(params: ParamLookup, x: Sym, name: string, config: VitConfig, options: VitGraphOptions): Sym {
  return options.layerNorm === "composed"
    ? composedLayerNorm(x, params(`${name}.weight`), params(`${name}.bias`), config.layerNormEps)
    : layerNorm(x, params(`${name}.weight`), params(`${name}.bias`), config.layerNormEps);
}

/** `vit.layernorm` on any rows of the residual stream (it is per token, so heads normalise only the rows they read). */
function vitFinalNorm(params: ParamLookup, rows: Sym, config: VitConfig, options: VitGraphOptions): Sym {
  return vitLayerNorm(params, rows, "vit.layernorm", config, options);
}

/** Steps 2–5 on already patchified pixels [B·P, 3p²]: the residual stream [B·T, dim] before `vit.layernorm`. */
function vitBlocks(params: ParamLookup, patchPixels: Sym, batch: number, config: VitConfig, mask: Sym | undefined, options: VitGraphOptions): Sym {
  const { dim } = config;
  const patches = vitPatchCount(config);
  const tokens = patches + 1;
  const norm = (x: Sym, name: string): Sym => vitLayerNorm(params, x, name, config, options);

  // 1–2. patch embedding
  const projection = reshape(params("vit.embeddings.patch_embeddings.projection.weight"), [dim, 3 * config.patch * config.patch]);
  let embedded = reshape(linear(patchPixels, projection, params("vit.embeddings.patch_embeddings.projection.bias")), [batch, patches, dim]);
  // 3. masked positions take the mask token: e + m·(token − e)
  if (mask) embedded = add(embedded, mul(reshape(mask, [batch, patches, 1]), sub(params("vit.embeddings.mask_token"), embedded)));
  // 4. CLS + positions
  const cls = expand(params("vit.embeddings.cls_token"), [batch, 1, dim]);
  let hidden = reshape(add(concat([cls, embedded], 1), params("vit.embeddings.position_embeddings")), [batch * tokens, dim]);
  // 5. blocks
  for (let index = 0; index < config.depth; index++) {
    const names = vitBlockNames(index);
    const h = norm(hidden, names.layernormBefore);
    const project = (name: string): Sym => linear(h, params(`${name}.weight`), params(`${name}.bias`));
    const attended = multiHeadAttention(project(names.query), project(names.key), project(names.value), { batch, seq: tokens, heads: config.heads });
    hidden = add(hidden, linear(attended, params(`${names.attentionOutput}.weight`), params(`${names.attentionOutput}.bias`)));
    const inner = gelu(
      linear(norm(hidden, names.layernormAfter), params(`${names.intermediate}.weight`), params(`${names.intermediate}.bias`)),
      options.gelu ?? "erf",
    );
    hidden = add(hidden, linear(inner, params(`${names.output}.weight`), params(`${names.output}.bias`)));
  }
  return hidden;
}

/**
 * Logits [B, numClasses] from the CLS token (HF ViTForImageClassification). The final
 * LayerNorm runs on the CLS rows only — identical values, 1/T of the work.
 */
export function vitClassifierLogits(params: ParamLookup, pixels: Sym, config: VitConfig, options: VitGraphOptions = {}): Sym {
  const [batch] = pixels.shape as [number];
  const tokens = vitPatchCount(config) + 1;
  const hidden = reshape(vitBlocks(params, patchify(pixels, config), batch, config, undefined, options), [batch, tokens, config.dim]);
  const cls = vitFinalNorm(params, reshape(slice(hidden, [0], [1], [1]), [batch, config.dim]), config, options);
  return linear(cls, params("classifier.weight"), params("classifier.bias"));
}

/**
 * Masked-patch reconstruction loss (scalar): mean squared pixel error over masked patches.
 * `mask` [B, P] is 0/1 with the SAME number of masked patches per batch (`maskedCount`),
 * so the mean's denominator is a constant.
 */
export function vitMaskedPatchLoss(params: ParamLookup, pixels: Sym, mask: Sym, maskedCount: number, config: VitConfig, options: VitGraphOptions = {}): Sym {
  const [batch] = pixels.shape as [number];
  const patches = vitPatchCount(config);
  const pixelsPerPatch = 3 * config.patch * config.patch;
  const patchPixels = patchify(pixels, config);
  const hidden = reshape(vitBlocks(params, patchPixels, batch, config, mask, options), [batch, patches + 1, config.dim]);
  const patchTokens = vitFinalNorm(params, reshape(slice(hidden, [1], [patches + 1], [1]), [batch * patches, config.dim]), config, options);
  const decoder = reshape(params("decoder.0.weight"), [pixelsPerPatch, config.dim]);
  const predicted = linear(patchTokens, decoder, params("decoder.0.bias"));
  const error = sub(predicted, patchPixels);
  const masked = mul(mul(error, error), reshape(mask, [batch * patches, 1]));
  return mul(reduceSum(masked), 1 / (maskedCount * pixelsPerPatch));
}
