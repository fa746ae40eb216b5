/**
 * LoRA (Hu et al. 2021, as in peft): for a chosen Linear W [out, in] the effective weight
 * is W + (α/r)·B·A with A [r, in] Kaiming-uniform (peft: a=√5 ⇒ U(±1/√in)) and B [out, r]
 * zeros, so training starts at W exactly. W stays frozen; children are saved merged
 * (SPEC §3), which is what `mergeLora` computes.
 */
import type { ParamSpec } from "./param-spec.ts";
import { bug } from "../errors.ts";
import { loraTargetsMatchNothing } from "../messages.ts";

/** Which Linear weights get adapters, and their rank/scale. */
export interface LoraConfig {
  readonly rank: number;
  /** Scale numerator: the update is multiplied by alpha / rank. */
  readonly alpha: number;
  /**
   * Name suffixes of adapted weights before `.weight`, matched against the end of the
   * module name: default query and value (ViT `attention.attention.query`, Llama `q_proj`).
   */
  readonly targets: readonly string[];
}

/** peft's default targets for our two families: query and value projections. */
export const DEFAULT_LORA_TARGETS: readonly string[] = ["attention.attention.query", "attention.attention.value", "self_attn.q_proj", "self_attn.v_proj"];

/** One adapted weight: the base name and its adapter tensor names. */
export interface LoraAdapter {
  /** The frozen base weight, e.g. `vit.encoder.layer.0.attention.attention.query.weight`. */
  readonly base: string;
  /** peft's names (without the `base_model.model.` prefix): `<module>.lora_A.weight`, `<module>.lora_B.weight`. */
  readonly a: string;
  readonly b: string;
  readonly outFeatures: number;
  readonly inFeatures: number;
}

/** The adapters `lora` places on `specs` (2-D `.weight` tensors whose module ends with a target). */
export function loraAdapters(specs: readonly ParamSpec[], lora: LoraConfig): LoraAdapter[] {
  const adapters: LoraAdapter[] = [];
  for (const spec of specs) {
    if (!spec.name.endsWith(".weight") || spec.shape.length !== 2) continue;
    const module = spec.name.slice(0, -".weight".length);
    if (!lora.targets.some((target) => module === target || module.endsWith(`.${target}`))) continue;
    adapters.push({ base: spec.name, a: `${module}.lora_A.weight`, b: `${module}.lora_B.weight`, outFeatures: spec.shape[0]!, inFeatures: spec.shape[1]! });
  }
  if (adapters.length === 0) throw loraTargetsMatchNothing(lora.targets);
  return adapters;
}

/** Parameter specs of the adapter tensors (A Kaiming-uniform, B zeros), in adapter order. */
export function loraParamSpecs(adapters: readonly LoraAdapter[], lora: LoraConfig): ParamSpec[] {
  return adapters.flatMap((adapter) => [
    { name: adapter.a, shape: [lora.rank, adapter.inFeatures], init: { kind: "uniform", bound: 1 / Math.sqrt(adapter.inFeatures) } } as const,
    { name: adapter.b, shape: [adapter.outFeatures, lora.rank], init: { kind: "zeros" } } as const,
  ]);
}

/**
 * W + (α/r)·B·A in float32, row-major: W [out, in], A [r, in], B [out, r].
 * Products are accumulated in f64 and rounded once, so the result is the f32 nearest
 * to the exact sum of W (f32) and the exact update.
 */
export function mergeLora(weight: Float32Array, a: Float32Array, b: Float32Array, alpha: number, rank: number): Float32Array {
  const inFeatures = a.length / rank;
  const outFeatures = b.length / rank;
  if (!Number.isInteger(inFeatures) || !Number.isInteger(outFeatures) || weight.length !== outFeatures * inFeatures) {
    bug(`mergeLora: shapes disagree (W ${weight.length}, A ${a.length}, B ${b.length}, rank ${rank})`);
  }
  const scale = alpha / rank;
  const merged = new Float32Array(weight.length);
  for (let row = 0; row < outFeatures; row++) {
    for (let col = 0; col < inFeatures; col++) {
      let update = 0;
      for (let k = 0; k < rank; k++) update += b[row * rank + k]! * a[k * inFeatures + col]!;
      merged[row * inFeatures + col] = weight[row * inFeatures + col]! + scale * update;
    }
  }
  return merged;
}
