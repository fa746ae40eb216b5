/**
 * The model zoo (issue #12, item 5) as a plan over the trained VTHR models: per root, a typed
 * family of the kinds a hub holds —
 *
 *   trained    the root, its full fine-tunes (FT split) and merged-LoRA children (LoRA-V split),
 *              with their grandchildren: "finetune" and "adapter" edges
 *   quantized  f16, int8 and 4-bit copies of some of them (derived-kinds.ts): "quantized" edges
 *   merges     of siblings and cousins: linear, task arithmetic, SLERP, TIES, DARE, and a linear
 *              merge of two LoRA grandchildren: one "merge" edge per parent
 *
 * A merge's parents are the models it combines with a positive weight: for task arithmetic
 * with λ = 0.7 the base's weight is 1 − 2λ < 0, so not the base; for TIES and DARE the models
 * whose task vectors it merges. A pure function of the plan: the same plan names the same zoo.
 */
import type { RelationType, TruthGraph } from "../../types.ts";
import type { DerivedKind } from "../derived/derived-kinds.ts";
import type { VthrPlan } from "../vthr/plan-vthr.ts";
import type { SplitName } from "../vthr/vthr-settings.ts";
import type { MergeMethod } from "./merge-weights.ts";

/** One member of the zoo and how it is made. */
export type ZooMember =
  | { readonly id: string; readonly tree: string; readonly make: "trained" }
  | { readonly id: string; readonly tree: string; readonly make: "copy"; readonly source: string; readonly kind: DerivedKind }
  | {
      readonly id: string;
      readonly tree: string;
      readonly make: "merge";
      readonly parents: readonly string[];
      readonly base?: string;
      readonly method: MergeMethod;
    };

/** The zoo: every member with how it is made, and the typed truth. */
export interface ZooPlan {
  readonly members: readonly ZooMember[];
  readonly truth: TruthGraph;
}

/** The splits whose trained models enter the zoo. */
export const ZOO_SPLITS: readonly SplitName[] = ["ft", "lora-v"];

/** Plans the zoo of every root of `plan` (which must have children ≥ 4 and grandchildren ≥ 2, as VTHR's defaults do). */
export function planZoo(plan: VthrPlan): ZooPlan {
  const members: ZooMember[] = [];
  const edges: { parent: string; child: string; type: RelationType }[] = [];
  for (const root of plan.roots) {
    const r = root.id;
    members.push({ id: r, tree: r, make: "trained" });
    for (const split of ZOO_SPLITS) {
      for (const m of (plan.splits.get(split) ?? []).filter((m) => m.tree === r)) {
        members.push({ id: m.id, tree: r, make: "trained" });
        edges.push({ parent: m.parent!, child: m.id, type: m.config.lora ? "adapter" : "finetune" });
      }
    }
    const ft = (path: string) => `ft.${r}.${path}`;
    const lora = (path: string) => `lora-v.${r}.${path}`;
    const copy = (source: string, kind: DerivedKind) => {
      members.push({ id: `${source}.${kind}`, tree: r, make: "copy", source, kind });
      edges.push({ parent: source, child: `${source}.${kind}`, type: "quantized" });
    };
    copy(ft("c0"), "fp16");
    copy(lora("c1"), "int8");
    copy(ft("c2.g0"), "int4");
    const merge = (name: string, parents: readonly string[], method: MergeMethod, base?: string) => {
      const id = `merge.${r}.${name}`;
      members.push({ id, tree: r, make: "merge", parents, method, ...(base ? { base } : {}) });
      for (const parent of parents) edges.push({ parent, child: id, type: "merge" });
    };
    merge("linear", [ft("c0"), ft("c1")], { kind: "linear", weights: [1, 1] });
    merge("task-arithmetic", [ft("c2"), ft("c3")], { kind: "task-arithmetic", lambda: 0.7 }, r);
    merge("slerp", [ft("c0.g0"), ft("c0.g1")], { kind: "slerp", t: 0.4 });
    merge("ties", [ft("c1.g0"), ft("c1.g1")], { kind: "ties", density: 0.5, lambda: 1 }, ft("c1"));
    merge("dare", [ft("c2.g0"), ft("c2.g1")], { kind: "dare", density: 0.5, lambda: 1, seed: 7 }, ft("c2"));
    merge("lora-linear", [lora("c0.g0"), lora("c0.g1")], { kind: "linear", weights: [1, 1] });
  }
  return {
    members,
    truth: { models: members.map((m) => ({ id: m.id, stage: "specialization" as const, tree: m.tree })), edges },
  };
}
