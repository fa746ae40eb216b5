/**
 * Held out, set 3 (issue #13): new seeds of shapes the board has seen, trained by PyTorch after
 * set 2 showed the sibling-angle rule failing out of sample. It decides the language-model
 * placement default (`--sibling-angles auto` or `off`), so it was defined and committed before
 * any candidate was scored on it; family-benchmarks.ts marks it `heldOutSet: 3`.
 *
 * | recipe         | shape of                          | tree                                       | seed |
 * | -------------- | --------------------------------- | ------------------------------------------ | ---- |
 * | llama-2-torch  | llama-family-recipes.ts `torch`   | Llama 2: base → chat, base → code → {python, instruct} | 2051 |
 * | nadam-up       | held-out-2-recipes.ts `nadam-up`  | GPT-2 star: base → 3 fine-tunes            | 2052 |
 * | cpt-chain      | held-out-2-recipes.ts `cpt-chain` | a chain of 5 continued pre-trainings       | 2053 |
 * | rmsprop-levels | held-out-2-recipes.ts `rmsprop-levels` | 3 levels: base → instruct → {code, python} | 2054 |
 *
 * Only the seed changes (every model's initialisation and data order): the recipes are shared,
 * not copied.
 */
import { bug } from "../../errors.ts";
import { HELD_OUT_2_RECIPES } from "./held-out-2-recipes.ts";
import { LLAMA_RECIPES, type LlamaRecipe } from "./llama-family-recipes.ts";

/** A recipe with another seed. */
const reseed = (recipe: LlamaRecipe | undefined, seed: number): LlamaRecipe => {
  if (!recipe) bug("held-out set 3 names a recipe that does not exist");
  return { about: `${recipe.about}; seed ${seed}`, settings: { ...recipe.settings, seed } };
};

/** Every set-3 recipe, by name. */
export const HELD_OUT_3_RECIPES: Readonly<Record<string, LlamaRecipe>> = {
  "llama-2-torch": reseed(LLAMA_RECIPES.torch, 2051),
  "nadam-up": reseed(HELD_OUT_2_RECIPES["nadam-up"], 2052),
  "cpt-chain": reseed(HELD_OUT_2_RECIPES["cpt-chain"], 2053),
  "rmsprop-levels": reseed(HELD_OUT_2_RECIPES["rmsprop-levels"], 2054),
};
