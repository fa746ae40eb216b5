/**
 * Short fine-tuning chains for the recipe-robustness experiment: from each VTHR root,
 * `chainsPerRoot` chains root → child → grandchild (a grandchild's task differs from its
 * parent's; each model its own seed), the same chains re-trained under every recipe.
 * Built from planVthr (FT split, lr jitter off) so tasks and seeds follow the VTHR rules,
 * then each config is edited by the recipe. Pure: same settings ⇒ same cache keys.
 */
import type { TruthGraph } from "../../types.ts";
import { planVthr, type PlannedModel } from "../vthr/plan-vthr.ts";
import type { VthrSettings } from "../vthr/vthr-settings.ts";
import { applyRecipe, type FineTuneRecipe } from "./recipes.ts";
import { withSnapshots } from "./plan-trajectory-runs.ts";

export interface RecipeChainSettings {
  readonly recipes: readonly FineTuneRecipe[];
  /** Chains per root (each a child and a grandchild; different seeds and tasks). */
  readonly chainsPerRoot: number;
  /** Snapshots per fine-tune, for the per-run monotonicity. */
  readonly snapshotsPerRun: number;
  /** Offsets the VTHR master seed so chain tasks/seeds are not the VTHR trees' own. */
  readonly seedOffset: number;
}

/** The chains of one recipe: models (ids prefixed by the recipe) and their truth. */
export interface RecipeChains {
  readonly recipe: FineTuneRecipe;
  readonly models: readonly PlannedModel[];
  readonly truth: TruthGraph;
}

/** Plans every recipe's chains; the roots are the VTHR plan's roots (not repeated here). */
export function planRecipeChains(vthr: VthrSettings, settings: RecipeChainSettings): { roots: readonly PlannedModel[]; chains: RecipeChains[] } {
  const base = planVthr({
    ...vthr,
    seed: vthr.seed + settings.seedOffset,
    splits: ["ft"],
    children: settings.chainsPerRoot,
    grandchildren: 1,
    fineTune: { ...vthr.fineTune, lrJitter: [1] },
  });
  const fineTunes = base.splits.get("ft") ?? [];
  const chains = settings.recipes.map((recipe) => {
    const rename = (id: string) => (base.roots.some((root) => root.id === id) ? id : `${recipe.name}.${id}`);
    const models = fineTunes.map((model) => ({
      ...model,
      id: rename(model.id),
      parent: rename(model.parent!),
      config: withSnapshots(applyRecipe(model.config, recipe), settings.snapshotsPerRun),
    }));
    const truth: TruthGraph = {
      models: [...base.roots, ...models].map((m) => ({ id: m.id, stage: "specialization" as const, tree: m.tree })),
      edges: models.map((m) => ({ parent: m.parent, child: m.id })),
    };
    return { recipe, models, truth };
  });
  return { roots: base.roots, chains };
}
