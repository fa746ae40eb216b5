/**
 * The recipe trees' full-size settings (experiments/recipe-robustness.ts trains them; the
 * direction leaderboard reads them from the cache with the same keys): the VTHR roots, and
 * chain fine-tunes of 200 steps (VTHR: 300) so that 5 roots × 2 chains × 2 fine-tunes = 20 runs
 * (20 true edges) per recipe, 9 recipes ≈ 41k steps of batch 32, train in ≈ 6 min on two
 * cores. "long" is then 600 steps and "short" 67.
 */
import { VTHR_DEFAULTS, type VthrSettings } from "../vthr/vthr-settings.ts";
import type { RecipeChainSettings } from "./plan-recipe-chains.ts";
import { FINE_TUNE_RECIPES } from "./recipes.ts";

/** Roots and base fine-tune recipe (steps, batch, data) of the recipe chains. */
export const RECIPE_VTHR: VthrSettings = { ...VTHR_DEFAULTS, fineTune: { ...VTHR_DEFAULTS.fineTune, steps: 200, warmupSteps: 20 } };

/** Every recipe, two chains per root, 20 snapshots per run. */
export const RECIPE_CHAINS: RecipeChainSettings = { recipes: FINE_TUNE_RECIPES, chainsPerRoot: 2, snapshotsPerRun: 20, seedOffset: 7 };
