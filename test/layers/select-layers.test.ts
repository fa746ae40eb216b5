import { describe, expect, test } from "bun:test";
import { isWeightMatrix, selectLayers } from "../../src/layers/select-layers.ts";
import type { LayerKind, TensorInfo } from "../../src/types.ts";

const ATTENTION: readonly LayerKind[] = ["query", "key", "value", "attention-output"];
import { GPT2, LLAMA_2_7B, VIT_BASE, type NamedParameter } from "./real-parameter-names.ts";

function asTensors(parameters: readonly NamedParameter[], dtype: TensorInfo["dtype"] = "F32"): TensorInfo[] {
  return parameters.map(([name, shape]) => ({ name, shape, dtype, file: "model.safetensors", offset: 0, byteLength: 0 }));
}

describe("selectLayers", () => {
  test("ViT: the default kinds pick the four attention weight matrices, no biases", () => {
    expect(selectLayers(asTensors(VIT_BASE), ATTENTION).map((t) => t.name)).toEqual([
      "vit.encoder.layer.0.attention.attention.query.weight",
      "vit.encoder.layer.0.attention.attention.key.weight",
      "vit.encoder.layer.0.attention.attention.value.weight",
      "vit.encoder.layer.0.attention.output.dense.weight",
    ]);
  });

  test("Llama: q/k/v/o_proj by default; mlp kinds pick gate/up/down", () => {
    const tensors = asTensors(LLAMA_2_7B);
    expect(selectLayers(tensors, ATTENTION).map((t) => t.name.split(".").at(-2))).toEqual(["q_proj", "k_proj", "v_proj", "o_proj"]);
    expect(selectLayers(tensors, ["mlp-gate", "mlp-in", "mlp-out"]).map((t) => t.name.split(".").at(-2))).toEqual(["gate_proj", "up_proj", "down_proj"]);
    expect(selectLayers(tensors, ["query", "value"]).length).toBe(2);
  });

  test("GPT-2 with the default kinds gets its attention output; the fused qkv needs the qkv kind", () => {
    expect(selectLayers(asTensors(GPT2), ATTENTION).map((t) => t.name)).toEqual(["h.0.attn.c_proj.weight"]);
    expect(selectLayers(asTensors(GPT2), ["qkv"]).map((t) => t.name)).toEqual(["h.0.attn.c_attn.weight"]);
  });

  test("unknown naming falls back to every square 2-D weight matrix and says so", () => {
    const tensors = asTensors([
      ["enc.0.mix_a.weight", [64, 64], "other"],
      ["enc.0.mix_a.bias", [64], "other"],
      ["enc.0.widen.weight", [256, 64], "other"],
      ["enc.0.mix_b.weight", [64, 64], "other"],
      ["enc.0.kernel", [64, 64, 3], "other"],
    ]);
    const fallbacks: number[] = [];
    const selected = selectLayers(tensors, ATTENTION, (count) => fallbacks.push(count));
    expect(selected.map((t) => t.name)).toEqual(["enc.0.mix_a.weight", "enc.0.mix_b.weight"]);
    expect(fallbacks).toEqual([2]);
  });

  test("no fallback is reported when the kinds match", () => {
    const fallbacks: number[] = [];
    selectLayers(asTensors(VIT_BASE), ["query"], (count) => fallbacks.push(count));
    expect(fallbacks).toEqual([]);
  });

  test("isWeightMatrix keeps 2-D non-bias tensors only", () => {
    const [weight, bias, conv] = asTensors([
      ["a.weight", [4, 4], "other"],
      ["attn.in_proj_bias", [12, 1], "other"],
      ["c.weight", [4, 4, 3, 3], "other"],
    ]);
    expect([isWeightMatrix(weight!), isWeightMatrix(bias!), isWeightMatrix(conv!)]).toEqual([true, false, false]);
  });
});
