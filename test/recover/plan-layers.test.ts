import { describe, expect, test } from "bun:test";
import type { ModelSource, TensorInfo } from "../../src/types.ts";
import { groupByArchitecture, planLayers } from "../../src/recover/plan-layers.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";

const at = (name: string, shape: number[], file: string): TensorInfo => ({
  name,
  dtype: "F32",
  shape,
  file,
  offset: 0,
  byteLength: 4 * shape.reduce((a, b) => a * b, 1),
});

/** A ViT-like block's tensors in `order`, optionally with another classifier head or another MLP width. */
function model(id: string, order: "header" | "reversed" = "header", mlp = 64, head = 10): ModelSource {
  const file = `${id}.safetensors`;
  const tensors = [
    at("vit.encoder.layer.0.attention.attention.query.weight", [16, 16], file),
    at("vit.encoder.layer.0.attention.attention.key.weight", [16, 16], file),
    at("vit.encoder.layer.0.attention.attention.value.weight", [16, 16], file),
    at("vit.encoder.layer.0.attention.output.dense.weight", [16, 16], file),
    at("vit.encoder.layer.0.intermediate.dense.weight", [mlp, 16], file),
    at("vit.encoder.layer.0.output.dense.weight", [16, mlp], file),
    at("vit.encoder.layer.0.output.dense.bias", [16], file),
    at("classifier.weight", [head, 16], file),
  ];
  return { id, path: id, tensors: order === "header" ? tensors : tensors.reverse() };
}

/** The grouping and plan as computed without the shortcuts: a signature and a name lookup per model. */
function reference(models: readonly ModelSource[]): { groups: string[][]; tensors: string[][][] } {
  const signatures = new Map<string, ModelSource[]>();
  for (const m of models) {
    const single = groupByArchitecture([m], DEFAULT_RECOVER_OPTIONS);
    const key = planLayers(single[0]!, DEFAULT_RECOVER_OPTIONS)
      .map((job) => `${job.name}:${job.shape.join("x")}`)
      .sort()
      .join("|");
    signatures.set(key, [...(signatures.get(key) ?? []), m]);
  }
  const groups = [...signatures.values()];
  return {
    groups: groups.map((g) => g.map((m) => m.id)),
    tensors: groups.map((g) =>
      planLayers([g[0]!], DEFAULT_RECOVER_OPTIONS).map((job) => g.map((m) => `${m.id}/${m.tensors.find((t) => t.name === job.name)!.name}`)),
    ),
  };
}

describe("groupByArchitecture and planLayers", () => {
  test("models listing the same tensors, in the same or another order, share a group and each job holds each model's own tensor", () => {
    const models = [model("a"), model("b"), model("c", "reversed"), model("d"), model("e", "reversed"), model("f", "header", 64, 3)];
    const groups = groupByArchitecture(models, DEFAULT_RECOVER_OPTIONS);
    const expected = reference(models);
    expect(groups.map((g) => g.map((m) => m.id))).toEqual(expected.groups);
    const plans = groups.map((g) => planLayers(g, DEFAULT_RECOVER_OPTIONS).map((job) => job.tensors.map((t, i) => `${g[i]!.id}/${t.name}`)));
    expect(plans).toEqual(expected.tensors);
    for (const group of groups)
      for (const job of planLayers(group, DEFAULT_RECOVER_OPTIONS))
        for (const [i, t] of job.tensors.entries()) expect(t.file).toBe(`${group[i]!.id}.safetensors`);
    expect(groups.length).toBe(1);
    expect(plans[0]!.length).toBeGreaterThan(0);
  });

  test("a model whose selected layers differ in shape right after one that matches starts another group", () => {
    const models = [model("a"), model("b", "header", 32), model("c"), model("d", "header", 32)];
    const groups = groupByArchitecture(models, DEFAULT_RECOVER_OPTIONS);
    expect(groups.map((g) => g.map((m) => m.id))).toEqual([
      ["a", "c"],
      ["b", "d"],
    ]);
    expect(reference(models).groups).toEqual([
      ["a", "c"],
      ["b", "d"],
    ]);
  });
});
