/**
 * LoRA inside a graph: wraps a parameter lookup so each adapted weight reads as
 * W + (α/r)·B·A. Merging at the weight (not the activation) costs 3 small nodes per
 * adapter and leaves the rest of the model graph unchanged.
 */
import { add, matmul, mul } from "../onnx/index.ts";
import type { LoraAdapter, LoraConfig } from "./lora.ts";
import type { ParamLookup } from "./param-spec.ts";

/** A lookup that returns effective weights for adapted names and `params(name)` otherwise. */
export function loraParamLookup(params: ParamLookup, adapters: readonly LoraAdapter[], lora: LoraConfig): ParamLookup {
  const byBase = new Map(adapters.map((adapter) => [adapter.base, adapter]));
  const cache = new Map<string, ReturnType<ParamLookup>>();
  return (name) => {
    const adapter = byBase.get(name);
    if (!adapter) return params(name);
    let effective = cache.get(name);
    if (!effective) {
      effective = add(params(name), matmul(mul(params(adapter.b), lora.alpha / lora.rank), params(adapter.a)));
      cache.set(name, effective);
    }
    return effective;
  };
}
