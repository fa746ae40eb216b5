import { describe, expect, test } from "bun:test";
import { Rng } from "../../src/rng.ts";
import { initParams } from "../../src/models/init-params.ts";
import { VTHR_VIT, vitParamSpecs } from "../../src/models/vit-config.ts";

describe("initParams", () => {
  test("follows HF's ViT init: N(0, 0.02) weights, zero biases, unit LayerNorm scales", () => {
    const rng = new Rng(3);
    const tensors = new Map(initParams(vitParamSpecs(VTHR_VIT), () => rng.uniform()).map((t) => [t.name, t.data]));
    const query = tensors.get("vit.encoder.layer.0.attention.attention.query.weight")!;
    const mean = query.reduce((a, b) => a + b, 0) / query.length;
    const std = Math.sqrt(query.reduce((a, b) => a + (b - mean) ** 2, 0) / query.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(tensors.get("vit.encoder.layer.0.attention.attention.query.bias")!.every((v) => v === 0)).toBe(true);
    expect(tensors.get("vit.layernorm.weight")!.every((v) => v === 1)).toBe(true);
  });

  test("same seed ⇒ same bytes, other seed ⇒ other bytes", () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return initParams(vitParamSpecs(VTHR_VIT), () => rng.uniform()).map((t) => Array.from(t.data.subarray(0, 8)));
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });
});
