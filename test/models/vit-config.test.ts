import { describe, expect, test } from "bun:test";
import { elementCount } from "../../src/models/param-spec.ts";
import { checkVitConfig, VTHR_VIT, vitHfConfig, vitParamSpecs } from "../../src/models/vit-config.ts";

describe("vitParamSpecs", () => {
  test("uses transformers' ViTForImageClassification names and torch layouts", () => {
    const specs = new Map(vitParamSpecs(VTHR_VIT).map((spec) => [spec.name, spec.shape]));
    expect(specs.get("vit.embeddings.cls_token")).toEqual([1, 1, 48]);
    expect(specs.get("vit.embeddings.position_embeddings")).toEqual([1, 17, 48]);
    expect(specs.get("vit.embeddings.patch_embeddings.projection.weight")).toEqual([48, 3, 8, 8]);
    expect(specs.get("vit.encoder.layer.2.attention.attention.query.weight")).toEqual([48, 48]);
    expect(specs.get("vit.encoder.layer.0.attention.output.dense.bias")).toEqual([48]);
    expect(specs.get("vit.encoder.layer.1.intermediate.dense.weight")).toEqual([192, 48]);
    expect(specs.get("vit.encoder.layer.1.output.dense.weight")).toEqual([48, 192]);
    expect(specs.get("vit.encoder.layer.1.layernorm_before.weight")).toEqual([48]);
    expect(specs.get("vit.layernorm.bias")).toEqual([48]);
    expect(specs.get("classifier.weight")).toEqual([10, 48]);
    expect(specs.has("vit.encoder.layer.3.attention.attention.query.weight")).toBe(false);
    // 16 tensors per block + 4 embedding + 2 final norm + 2 classifier
    expect(specs.size).toBe(16 * 3 + 8);
  });

  test("the masked-patch head has mask_token and the 1×1-conv decoder instead of a classifier", () => {
    const specs = new Map(vitParamSpecs(VTHR_VIT, "masked-patches").map((spec) => [spec.name, spec.shape]));
    expect(specs.get("vit.embeddings.mask_token")).toEqual([1, 1, 48]);
    expect(specs.get("decoder.0.weight")).toEqual([192, 48, 1, 1]);
    expect(specs.has("classifier.weight")).toBe(false);
  });

  test("parameter count matches the architecture formula", () => {
    const { dim, mlpDim, depth, numClasses } = VTHR_VIT;
    const perBlock = 4 * (dim * dim + dim) + 2 * dim * mlpDim + mlpDim + dim + 4 * dim;
    const expected = dim + 17 * dim + (192 * dim + dim) + depth * perBlock + 2 * dim + numClasses * dim + numClasses;
    expect(vitParamSpecs(VTHR_VIT).reduce((total, spec) => total + elementCount(spec.shape), 0)).toBe(expected);
  });
});

describe("vitHfConfig / checkVitConfig", () => {
  test("writes HF's ViTConfig keys", () => {
    const config = vitHfConfig(VTHR_VIT);
    expect(config).toMatchObject({
      model_type: "vit",
      hidden_size: 48,
      num_hidden_layers: 3,
      num_attention_heads: 3,
      intermediate_size: 192,
      patch_size: 8,
      image_size: 32,
      architectures: ["ViTForImageClassification"],
    });
    expect(Object.keys(config.id2label as object)).toHaveLength(10);
  });

  test("rejects heads that do not divide dim and patches that do not tile the image", () => {
    expect(() => checkVitConfig({ ...VTHR_VIT, heads: 5 })).toThrow(/heads must divide dim/);
    expect(() => checkVitConfig({ ...VTHR_VIT, patch: 5 })).toThrow(/patch must divide imageSize/);
  });
});
