/**
 * Paper §6.3 "robustness to similar models": per root, `count` fine-tunes that share one
 * recipe and task and differ only in the training seed. Each copies the config of the root's
 * first FT child in the VTHR plan (same task, data, steps, lr, optimizer) and replaces
 * `seed`, which drives the new head's initialisation and the batch order.
 */
import { deriveSeed } from "../../rng.ts";
import type { TruthGraph } from "../../types.ts";
import type { PlannedModel, VthrPlan } from "../vthr/plan-vthr.ts";
import { bug } from "../../errors.ts";
import { seedSiblingsNeedFtSplit } from "../../messages.ts";

export interface SeedSiblingOptions {
  /** Siblings per root. */
  readonly count: number;
  /** Master seed their training seeds derive from. */
  readonly masterSeed: number;
  /** Training steps of every sibling; undefined keeps the copied recipe's (smoke tests shorten it). */
  readonly steps?: number;
}

/** The seed siblings of every root: ids `seed.<root>.s<i>`, parent = the root. */
export function planSeedSiblings(plan: VthrPlan, { count, masterSeed, steps }: SeedSiblingOptions): PlannedModel[] {
  const ft = plan.splits.get("ft");
  if (!ft) throw seedSiblingsNeedFtSplit();
  return plan.roots.flatMap((root) => {
    const template = ft.find((m) => m.parent === root.id);
    if (!template) bug(`seed siblings: the FT split has no child of root ${root.id}`); // every VTHR split fine-tunes every root
    return Array.from({ length: count }, (_, i) => ({
      ...template,
      id: `seed.${root.id}.s${i}`,
      config: { ...template.config, ...(steps !== undefined ? { steps } : {}), seed: deriveSeed(masterSeed, "seed-sibling", root.id, i) },
    }));
  });
}

/** Truth of the families: each root with its seed siblings. */
export function seedSiblingTruth(plan: VthrPlan, siblings: readonly PlannedModel[]): TruthGraph {
  return {
    models: [...plan.roots, ...siblings].map((m) => ({ id: m.id, stage: "specialization" as const, tree: m.tree })),
    edges: siblings.map((m) => ({ parent: m.parent!, child: m.id })),
  };
}
