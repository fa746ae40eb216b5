/**
 * Parameters split by role into three flat vectors (see param-layout.ts):
 *   decay    — trained, with weight decay (matrices, embeddings, LoRA A/B)
 *   no_decay — trained, no weight decay (rank-1 tensors: biases and norm scales, as HF Trainer)
 *   frozen   — fed to the graph but never updated (LoRA base weights), so bit-identical.
 */
import type { ParamSpec } from "../models/param-spec.ts";
import { type ParamLayout, paramLayout } from "./param-layout.ts";

/** Names of the three groups, also their graph input names (`params.<group>`). */
export const GROUP_NAMES = ["decay", "no_decay", "frozen"] as const;
/** One of the three parameter roles. */
export type GroupName = (typeof GROUP_NAMES)[number];

/** A layout per group (empty groups have size 0 and no graph input). */
export type ParamGroups = Readonly<Record<GroupName, ParamLayout>>;

/** Group `specs`: those in `trainable` (all when undefined) are trained, the rest frozen. */
export function paramGroups(specs: readonly ParamSpec[], trainable?: (name: string) => boolean): ParamGroups {
  const isTrained = trainable ?? (() => true);
  return {
    decay: paramLayout(specs.filter((spec) => isTrained(spec.name) && spec.shape.length > 1)),
    no_decay: paramLayout(specs.filter((spec) => isTrained(spec.name) && spec.shape.length <= 1)),
    frozen: paramLayout(specs.filter((spec) => !isTrained(spec.name))),
  };
}

/** Groups that hold at least one tensor. */
export function nonEmptyGroups(groups: ParamGroups): GroupName[] {
  return GROUP_NAMES.filter((name) => groups[name].size > 0);
}
