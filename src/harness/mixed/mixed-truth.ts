/**
 * The mixed collection (issue #12): the VTHR splits that share roots, taken together, so each
 * root has full fine-tunes (FT), fixed-rank LoRA children (LoRA-F) and variable-rank ones
 * (LoRA-V) side by side — the shape of a real hub family, where the tool cannot pick one
 * distance for the whole set. The truth is the plan's, exactly: a LoRA grandchild is a LoRA
 * child of its LoRA parent, an FT grandchild a full fine-tune of an FT child.
 */
import type { RelationType, Stage, TruthGraph } from "../../types.ts";
import type { VthrPlan } from "../vthr/plan-vthr.ts";
import type { SplitName } from "../vthr/vthr-settings.ts";

/** The truth of a mixed collection, with each edge's type. */
export interface MixedTruth extends TruthGraph {
  /** Full fine-tunes are "finetune" edges, merged LoRA updates "adapter" ones. */
  readonly edges: readonly { parent: string; child: string; type: RelationType }[];
}

/** Roots once, then every model of `splits` (in that order); each edge typed by its split. */
export function mixedTruth(plan: VthrPlan, splits: readonly SplitName[]): MixedTruth {
  const models = [...plan.roots, ...splits.flatMap((split) => plan.splits.get(split) ?? [])];
  return {
    models: models.map((m) => ({ id: m.id, stage: "specialization" as Stage, tree: m.tree })),
    edges: models.flatMap((m) =>
      m.parent === undefined ? [] : [{ parent: m.parent, child: m.id, type: m.config.lora ? ("adapter" as const) : ("finetune" as const) }],
    ),
  };
}

/** The part of `truth` inside the true trees `roots` (their models and edges). */
export function truthOfTrees(truth: MixedTruth, roots: ReadonlySet<string>): MixedTruth {
  const ids = new Set(truth.models.filter((m) => roots.has(m.tree)).map((m) => m.id));
  return { models: truth.models.filter((m) => ids.has(m.id)), edges: truth.edges.filter((e) => ids.has(e.child)) };
}
