/**
 * Whole-model finite-difference checks in float64: the autodiff gradient of the tiny ViT
 * (classification and masked-patch heads), the tiny Llama LM and ViT+LoRA w.r.t. a
 * spread of parameter coordinates, against central differences of the same ORT graph.
 * LayerNorm is the composed one (the ONNX op keeps f32 statistics even in f64) and GELU
 * the tanh form (ORT CPU has no f64 Erf); both ops' own rules are checked in test/onnx.
 */
import { describe, expect, test } from "bun:test";
import { Rng } from "../../src/rng.ts";
import { initParams } from "../../src/models/init-params.ts";
import { llamaNextToken } from "../../src/models/llama-objective.ts";
import { loraAdapters, loraParamSpecs } from "../../src/models/lora.ts";
import type { Objective } from "../../src/models/objective.ts";
import type { ParamSpec } from "../../src/models/param-spec.ts";
import type { VitConfig } from "../../src/models/vit-config.ts";
import { vitClassification, vitMaskedPatches } from "../../src/models/vit-objectives.ts";
import { compileGraph, type TensorData } from "../../src/onnx/index.ts";
import { type GroupName, nonEmptyGroups, type ParamGroups, paramGroups } from "../../src/train/param-groups.ts";
import { packParams } from "../../src/train/param-layout.ts";
import { buildGradientGraph, groupInputName, type LoraWiring } from "../../src/train/step-graph.ts";

const TINY_VIT: VitConfig = { dim: 8, depth: 2, heads: 2, mlpDim: 16, patch: 4, imageSize: 8, numClasses: 3, layerNormEps: 1e-6, initializerRange: 0.3 };
const BATCH = 2;

/** Max relative error over `probes` coordinates of each trained group. */
async function worstGradientError(
  objective: Objective,
  specs: readonly ParamSpec[],
  groups: ParamGroups,
  batch: Record<string, TensorData>,
  lora?: LoraWiring,
  probes = 12,
  floatType: "float32" | "float64" = "float64",
): Promise<number> {
  const graph = buildGradientGraph(objective, BATCH, groups, { floatType, ...(lora ? { lora } : {}) });
  const compiled = await compileGraph(graph);
  const rng = new Rng(7);
  // Scaled init so activations are O(1) and every path contributes to the loss.
  const tensors = initParams(specs, () => rng.uniform()).map((tensor) => ({
    ...tensor,
    data: tensor.data.map((v) => (v === 0 ? 0.2 * (rng.uniform() - 0.5) : v)),
  }));
  const toFloat = floatType === "float64" ? (v: Float32Array) => Float64Array.from(v) : (v: Float32Array) => v;
  const feeds: Record<string, Float64Array | Float32Array> = {};
  for (const group of nonEmptyGroups(groups)) feeds[groupInputName(group)] = toFloat(packParams(groups[group], tensors));
  const lossAt = async (): Promise<number> => Number((await compiled.run({ ...feeds, ...batch })).loss![0]);
  const analytic = await compiled.run({ ...feeds, ...batch });
  let worst = 0;
  for (const group of nonEmptyGroups(groups).filter((name): name is Exclude<GroupName, "frozen"> => name !== "frozen")) {
    const flat = feeds[groupInputName(group)]!;
    const grad = analytic[`grad.${group}`] as Float64Array | Float32Array;
    for (let probe = 0; probe < probes; probe++) {
      const index = Math.floor(((probe + 0.5) / probes) * flat.length);
      const saved = flat[index]!;
      const h = floatType === "float64" ? 1e-5 : 1e-2;
      flat[index] = saved + h;
      const up = await lossAt();
      flat[index] = saved - h;
      const down = await lossAt();
      flat[index] = saved;
      const numeric = (up - down) / (2 * h);
      const floor = floatType === "float64" ? 1e-4 : 2e-2; // f32: loss rounding / h dominates tiny gradients
      worst = Math.max(worst, Math.abs(numeric - grad[index]!) / Math.max(floor, Math.abs(numeric) + Math.abs(grad[index]!)));
    }
  }
  await compiled.release();
  return worst;
}

function pixels(rng: Rng, count: number): Float64Array {
  return Float64Array.from({ length: count }, () => rng.uniform(-1, 1));
}

describe("whole-model gradients match central differences (float64)", () => {
  test("ViT classification", async () => {
    const objective = vitClassification(TINY_VIT, { floatType: "float64", layerNorm: "composed", gelu: "tanh" });
    const rng = new Rng(1);
    const batch = { pixel_values: pixels(rng, BATCH * 3 * 8 * 8), labels: BigInt64Array.from([0n, 2n]) };
    expect(await worstGradientError(objective, objective.specs, paramGroups(objective.specs), batch)).toBeLessThan(1e-5);
  });

  test("ViT masked-patch reconstruction", async () => {
    const objective = vitMaskedPatches(TINY_VIT, 0.5, { floatType: "float64", layerNorm: "composed", gelu: "tanh" });
    const rng = new Rng(2);
    const batch = { pixel_values: pixels(rng, BATCH * 3 * 8 * 8), bool_masked_pos: Float64Array.from([1, 0, 0, 1, 0, 1, 1, 0]) };
    expect(await worstGradientError(objective, objective.specs, paramGroups(objective.specs), batch)).toBeLessThan(1e-5);
  });

  test("ViT + LoRA on query/value: gradients of A, B and the head", async () => {
    const objective = vitClassification(TINY_VIT, { floatType: "float64", layerNorm: "composed", gelu: "tanh" });
    const lora = { rank: 2, alpha: 4, targets: ["attention.attention.query", "attention.attention.value"] };
    const adapters = loraAdapters(objective.specs, lora);
    const loraSpecs = loraParamSpecs(adapters, lora).map((spec) => ({ ...spec, init: { kind: "uniform", bound: 0.5 } as const }));
    const trained = new Set([...loraSpecs.map((spec) => spec.name), "classifier.weight", "classifier.bias"]);
    const specs = [...objective.specs, ...loraSpecs];
    const groups = paramGroups(specs, (name) => trained.has(name));
    expect(groups.frozen.size).toBeGreaterThan(0);
    const rng = new Rng(3);
    const batch = { pixel_values: pixels(rng, BATCH * 3 * 8 * 8), labels: BigInt64Array.from([1n, 2n]) };
    expect(await worstGradientError(objective, specs, groups, batch, { adapters, config: lora }, 16)).toBeLessThan(1e-5);
  });

  test("Llama-like LM next-token loss", async () => {
    const config = { vocabSize: 11, dim: 8, depth: 2, heads: 2, mlpDim: 12, contextLength: 5, rmsNormEps: 1e-6, ropeTheta: 10000, initializerRange: 0.3 };
    const objective = llamaNextToken(config);
    const ids = BigInt64Array.from({ length: BATCH * 5 }, (_, i) => BigInt((i * 7 + 3) % 11));
    const labels = BigInt64Array.from({ length: BATCH * 5 }, (_, i) => BigInt((i * 5 + 1) % 11));
    expect(await worstGradientError({ ...objective }, objective.specs, paramGroups(objective.specs), { input_ids: ids, labels }, undefined, 16)).toBeLessThan(
      1e-5,
    );
  });
});

describe("the production graph (ONNX LayerNormalization, erf GELU) in float32", () => {
  test("ViT classification gradients agree with central differences to f32 accuracy", async () => {
    const objective = vitClassification(TINY_VIT);
    const rng = new Rng(1);
    const batch = { pixel_values: Float32Array.from(pixels(rng, BATCH * 3 * 8 * 8)), labels: BigInt64Array.from([0n, 2n]) };
    expect(await worstGradientError(objective, objective.specs, paramGroups(objective.specs), batch, undefined, 16, "float32")).toBeLessThan(5e-3);
  });
});
