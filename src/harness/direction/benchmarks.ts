/**
 * Every benchmark of the direction leaderboard (issue #13 item 5), in column order: the VTHR
 * splits, the recipe trees, the PyTorch-trained trees, then the LM families and SD chains
 * (lm-benchmarks.ts). Each reads its trees from the artefact cache (benchmark.ts).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TruthGraph } from "../../types.ts";
import { discoverModels } from "../../io/discover-models.ts";
import { FOREIGN_RECIPES, foreignTreesFolder } from "../foreign/foreign-recipes.ts";
import { poolTruths } from "../foreign/foreign-scores.ts";
import { planVthr, splitTruth } from "../vthr/plan-vthr.ts";
import { VTHR_DEFAULTS, type SplitName } from "../vthr/vthr-settings.ts";
import { cachedArtifacts, openCached, subtreesOf, type BenchmarkModels, type DirectionBenchmark } from "./benchmark.ts";
import { FAMILY_BENCHMARKS } from "./lm-benchmarks.ts";
import { planRecipeChains } from "./plan-recipe-chains.ts";
import { RECIPE_CHAINS, RECIPE_VTHR } from "./recipe-settings.ts";
import { TRACED_MODEL_KIND } from "./train-traced.ts";

/** One VTHR split (Table 1's trees: 5 roots, 300 fine-tunes per split over the three splits). */
function vthrBenchmark(split: SplitName): DirectionBenchmark {
  return {
    name: `vthr-${split}`,
    family: "vthr",
    domain: "vit",
    produce: "bun run experiments/vthr.ts",
    load: async (cache) => {
      const plan = planVthr(VTHR_DEFAULTS);
      const truth = splitTruth(plan, split);
      const artifacts = cachedArtifacts([...plan.roots, ...(plan.splits.get(split) ?? [])], { cache });
      return openCached(
        truth.models.map((m) => m.id),
        artifacts,
        truth,
      );
    },
  };
}

/** `whole`'s trees cut into pairs or chains (benchmark.ts subtreesOf): what a chain tie-break decides alone. Same family as `whole`. */
function subtreeBenchmark(whole: DirectionBenchmark, shape: "pairs" | "chains"): DirectionBenchmark {
  return {
    ...whole,
    name: `${whole.name}-${shape}`,
    load: async (cache) => {
      const loaded = await whole.load(cache);
      return "missing" in loaded ? loaded : subtreesOf(loaded, shape);
    },
  };
}

/** Every recipe's trees in one benchmark (the roots are shared, the fine-tunes are prefixed by their recipe). */
function allRecipes(recipes: readonly DirectionBenchmark[]): DirectionBenchmark {
  return {
    name: "recipes",
    family: "recipes",
    domain: "vit",
    produce: "bun run experiments/recipe-robustness.ts",
    load: async (cache) => {
      const parts: BenchmarkModels[] = [];
      for (const recipe of recipes) {
        const loaded = await recipe.load(cache);
        if ("missing" in loaded) return loaded;
        parts.push(loaded);
      }
      const models = new Map(parts.flatMap((p) => p.models.map((m) => [m.id, m] as const)));
      const truthModels = new Map(parts.flatMap((p) => p.truth.models.map((m) => [m.id, m] as const)));
      return { models: [...models.values()], truth: { models: [...truthModels.values()], edges: parts.flatMap((p) => p.truth.edges) } };
    },
  };
}

/** One fine-tuning recipe's chains from every VTHR root (5 trees of 5 models). */
function recipeBenchmark(recipe: string): DirectionBenchmark {
  return {
    name: `recipe-${recipe}`,
    family: "recipes",
    domain: "vit",
    produce: "bun run experiments/recipe-robustness.ts",
    load: async (cache) => {
      const { roots, chains } = planRecipeChains(RECIPE_VTHR, RECIPE_CHAINS);
      const chain = chains.find((c) => c.recipe.name === recipe);
      if (!chain) return { missing: `no recipe ${recipe}` };
      const rootArtifacts = cachedArtifacts(roots, { cache });
      const artifacts = cachedArtifacts(chain.models, { cache, kind: TRACED_MODEL_KIND, existing: rootArtifacts });
      return openCached(
        chain.truth.models.map((m) => m.id),
        artifacts,
        chain.truth,
      );
    },
  };
}

/**
 * The eight PyTorch-trained trees (experiments/foreign-trees.ts), pooled: one tree per recipe.
 * The full preset (9 models a tree) takes about 12 min a tree on one torch thread; the quick
 * preset (4 models, short training) is its smoke test, listed separately so neither stands in
 * for the other.
 */
function pytorchBenchmark(preset: "full" | "quick"): DirectionBenchmark {
  return {
    name: preset === "full" ? "pytorch-trees" : "pytorch-trees-quick",
    family: "pytorch",
    domain: "vit",
    produce: `bun run experiments/foreign-trees.ts${preset === "quick" ? " --quick" : ""}`,
    load: async (cache): Promise<BenchmarkModels | { missing: string }> => {
      const root = foreignTreesFolder(cache, preset);
      const truths: TruthGraph[] = [];
      const folders: string[] = [];
      for (const recipe of FOREIGN_RECIPES) {
        const folder = join(root, recipe.name);
        try {
          truths.push(JSON.parse(await readFile(join(folder, "truth.json"), "utf8")) as TruthGraph);
        } catch {
          return { missing: `${folder}/truth.json not found` };
        }
        folders.push(folder);
      }
      return { models: await discoverModels(folders), truth: poolTruths(truths) };
    },
  };
}

const RECIPES = RECIPE_CHAINS.recipes.map((recipe) => recipeBenchmark(recipe.name));
const LLAMA_FAMILY = FAMILY_BENCHMARKS.find((b) => b.name === "llama:llama-2@2023");

/**
 * Every benchmark, in leaderboard column order: whole trees, then the same trees cut into chains
 * (and VTHR FT into pairs), where only the chain tie-break decides.
 */
export const DIRECTION_BENCHMARKS: readonly DirectionBenchmark[] = [
  ...(["ft", "lora-f", "lora-v"] as const).map(vthrBenchmark),
  ...RECIPES,
  pytorchBenchmark("full"),
  pytorchBenchmark("quick"),
  ...FAMILY_BENCHMARKS,
  subtreeBenchmark(vthrBenchmark("ft"), "pairs"),
  subtreeBenchmark(vthrBenchmark("ft"), "chains"),
  subtreeBenchmark(allRecipes(RECIPES), "chains"),
  subtreeBenchmark(pytorchBenchmark("quick"), "chains"),
  ...(LLAMA_FAMILY ? [subtreeBenchmark(LLAMA_FAMILY, "chains")] : []),
];
