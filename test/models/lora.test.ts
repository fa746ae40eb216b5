import { describe, expect, test } from "bun:test";
import { Rng } from "../../src/rng.ts";
import { DEFAULT_LORA_TARGETS, loraAdapters, loraParamSpecs, mergeLora } from "../../src/models/lora.ts";
import { llamaParamSpecs, SMALL_LLAMA } from "../../src/models/llama-config.ts";
import { VTHR_VIT, vitParamSpecs } from "../../src/models/vit-config.ts";

describe("loraAdapters", () => {
  test("puts adapters on every ViT query and value weight with peft names and shapes", () => {
    const lora = { rank: 4, alpha: 8, targets: DEFAULT_LORA_TARGETS };
    const adapters = loraAdapters(vitParamSpecs(VTHR_VIT), lora);
    expect(adapters.map((a) => a.base)).toEqual(
      Array.from({ length: VTHR_VIT.depth }, (_, i) => [
        `vit.encoder.layer.${i}.attention.attention.query.weight`,
        `vit.encoder.layer.${i}.attention.attention.value.weight`,
      ]).flat(),
    );
    expect(adapters[0]!.a).toBe("vit.encoder.layer.0.attention.attention.query.lora_A.weight");
    const specs = loraParamSpecs(adapters, lora);
    expect(specs[0]!.shape).toEqual([4, VTHR_VIT.dim]);
    expect(specs[1]!.shape).toEqual([VTHR_VIT.dim, 4]);
    expect(specs[0]!.init).toEqual({ kind: "uniform", bound: 1 / Math.sqrt(VTHR_VIT.dim) });
    expect(specs[1]!.init).toEqual({ kind: "zeros" });
  });

  test("targets Llama q_proj/v_proj and never biases or 1-D tensors", () => {
    const adapters = loraAdapters(llamaParamSpecs(SMALL_LLAMA), { rank: 2, alpha: 2, targets: DEFAULT_LORA_TARGETS });
    expect(adapters.map((a) => a.base)).toEqual([
      "model.layers.0.self_attn.q_proj.weight",
      "model.layers.0.self_attn.v_proj.weight",
      "model.layers.1.self_attn.q_proj.weight",
      "model.layers.1.self_attn.v_proj.weight",
    ]);
  });

  test("rejects targets that match nothing", () => {
    expect(() => loraAdapters(vitParamSpecs(VTHR_VIT), { rank: 2, alpha: 2, targets: ["nope"] })).toThrow(/no weight matches/);
  });
});

describe("mergeLora", () => {
  test("equals W + (alpha/rank)·B·A computed as a sum of rank-one outer products", () => {
    const rng = new Rng(5);
    const [out, inp, rank, alpha] = [5, 7, 3, 6];
    const w = Float32Array.from({ length: out * inp }, () => rng.normal());
    const a = Float32Array.from({ length: rank * inp }, () => rng.normal());
    const b = Float32Array.from({ length: out * rank }, () => rng.normal());
    const oracle = Float64Array.from(w);
    for (let k = 0; k < rank; k++)
      for (let i = 0; i < out; i++) for (let j = 0; j < inp; j++) oracle[i * inp + j]! += (alpha / rank) * b[i * rank + k]! * a[k * inp + j]!;
    const merged = mergeLora(w, a, b, alpha, rank);
    for (let i = 0; i < merged.length; i++) expect(merged[i]).toBeCloseTo(oracle[i]!, 5);
  });

  test("B = 0 leaves W bit-identical", () => {
    const w = Float32Array.from([0.1, -0.2, 0.3, 1e-8]);
    expect(mergeLora(w, new Float32Array([1, 2, 3, 4]), new Float32Array(4), 16, 2)).toEqual(w);
  });

  test("rejects shapes that do not fit together", () => {
    expect(() => mergeLora(new Float32Array(6), new Float32Array(4), new Float32Array(4), 1, 2)).toThrow(/shapes disagree/);
  });
});
