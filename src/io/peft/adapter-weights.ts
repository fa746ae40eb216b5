/**
 * An adapter's weights as a model's: every tensor of its base, with the adapted modules'
 * weights replaced by base + Δ (adapter-tensor.ts) and modules_to_save by the adapter's copies
 * (whatever their shape: a new head; added when the base has none).
 *
 * Module names: peft names a module by its path in the model class it wrapped, which need not
 * be the checkpoint's own naming — GPT-2's `openai-community/gpt2` file stores `h.0.attn.c_attn`
 * while GPT2LMHeadModel (and so its adapters) says `transformer.h.0.attn.c_attn`, and an adapter
 * made on LlamaModel says `layers.0.…` where LlamaForCausalLM's checkpoint says `model.layers.0.…`.
 * A name is therefore matched exactly first, then with leading segments of the adapter's name
 * dropped, then as the unique checkpoint name that ends with it.
 */
import type { LoraModule, PeftAdapter, TensorInfo } from "../../types.ts";
import { lowRankTensor } from "./adapter-tensor.ts";

/** The checkpoint tensor that `name` (a peft module's `<module>.weight`, or a saved tensor) denotes, if any. */
export function matchTensorName<T extends { readonly name: string }>(name: string, byName: ReadonlyMap<string, T>): T | undefined {
  const exact = byName.get(name);
  if (exact) return exact;
  const segments = name.split(".");
  for (let drop = 1; drop < segments.length - 1; drop++) {
    const shorter = byName.get(segments.slice(drop).join("."));
    if (shorter) return shorter;
  }
  const longer = [...byName.values()].filter((tensor) => tensor.name.endsWith(`.${name}`));
  return longer.length === 1 ? longer[0] : undefined;
}

/** Why an adapter does not fit a model: the first module that has no tensor there, or whose shape differs. */
export interface AdapterMisfit {
  readonly module: string;
  /** "name": no tensor of that name; "shape": a tensor whose shape the factors do not fit. */
  readonly reason: "name" | "shape";
  readonly detail: string;
}

/**
 * The tensors of `adapter` applied to a model whose tensors are `baseTensors`, or the first
 * misfit. A square weight fits both ways; the config's fan_in_fan_out decides it then.
 */
export function adapterTensors(adapter: PeftAdapter, baseTensors: readonly TensorInfo[]): { tensors: TensorInfo[] } | { misfit: AdapterMisfit } {
  const byName = new Map(baseTensors.map((tensor) => [tensor.name, tensor]));
  const updated = new Map<string, TensorInfo>();
  for (const module of adapter.modules) {
    const base = matchTensorName(`${module.module}.weight`, byName);
    if (!base) return { misfit: { module: module.module, reason: "name", detail: "no weight of that name" } };
    const transposed = orientation(module, base.shape, adapter.fanInFanOut);
    if (transposed === undefined) {
      return {
        misfit: {
          module: module.module,
          reason: "shape",
          detail: `${base.name} is [${base.shape.join(", ")}], lora_B · lora_A is [${module.b.shape[0]}, ${module.a.shape[1]}]`,
        },
      };
    }
    updated.set(base.name, lowRankTensor(base, { a: module.a, b: module.b, scale: module.scale, transposed }));
  }
  // A saved module of another shape than the base's, or one the base lacks, is a head for a new
  // label space (loaded with ignore_mismatched_sizes, or a classifier on a headless backbone):
  // the adapter's copy is the model's. Only the low-rank modules, checked above, decide the fit.
  const added: TensorInfo[] = [];
  for (const tensor of adapter.replaced) {
    const base = matchTensorName(tensor.name, byName);
    const fitsAnyway = adapter.modules.length > 0;
    if (!base && !fitsAnyway) return { misfit: { module: tensor.name, reason: "name", detail: "no tensor of that name" } };
    if (base && base.shape.join() !== tensor.shape.join() && !fitsAnyway) {
      return { misfit: { module: tensor.name, reason: "shape", detail: `[${tensor.shape.join(", ")}] against [${base.shape.join(", ")}]` } };
    }
    if (base) updated.set(base.name, { ...tensor, name: base.name });
    else added.push(tensor);
  }
  return { tensors: [...baseTensors.map((tensor) => updated.get(tensor.name) ?? tensor), ...added] };
}

/** false: B · A has the weight's shape [out, in]; true: its transpose does ([in, out]); undefined: neither. */
function orientation(module: LoraModule, shape: readonly number[], fanInFanOut: boolean): boolean | undefined {
  if (shape.length !== 2) return undefined;
  const fanIn = module.a.shape[1]!;
  const fanOut = module.b.shape[0]!;
  const plain = shape[0] === fanOut && shape[1] === fanIn;
  const transposed = shape[0] === fanIn && shape[1] === fanOut;
  if (plain && transposed) return fanInFanOut;
  return plain ? false : transposed ? true : undefined;
}
