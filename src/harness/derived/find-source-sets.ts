/**
 * Step 1 of experiments/derived-copies.ts: the cached model sets copies are derived from — the
 * PyTorch-trained trees of experiments/foreign-trees.ts and the VTHR FT split of
 * experiments/vthr.ts. Nothing trains here: a set whose cache is missing is skipped, and said so.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { discoverModels } from "../../io/discover-models.ts";
import type { ModelSource, TruthGraph } from "../../types.ts";
import { FOREIGN_RECIPES, foreignTreesFolder } from "../foreign/foreign-recipes.ts";
import { VTHR_DEFAULTS, VTHR_QUICK } from "../vthr/vthr-settings.ts";
import { cachedVthrSplit } from "./cached-vthr-split.ts";
import type { SetFamily } from "./derived-options.ts";

/** One set of source models with its truth. */
export interface SourceSet {
  readonly name: string;
  readonly models: readonly ModelSource[];
  readonly truth: TruthGraph;
}

/** The cached sets of `families` (in that order), and one line per set skipped for want of a cache. */
export async function findSourceSets(families: readonly SetFamily[], cache: string, quick: boolean): Promise<{ sets: SourceSet[]; skipped: string[] }> {
  const sets: SourceSet[] = [];
  const skipped: string[] = [];
  const rerun = (experiment: string) => `run experiments/${experiment}.ts${quick ? " --quick" : ""}`;
  if (families.includes("foreign")) {
    for (const recipe of FOREIGN_RECIPES) {
      const folder = join(foreignTreesFolder(cache, quick ? "quick" : "full"), recipe.name);
      if (!existsSync(join(folder, "truth.json"))) {
        skipped.push(`foreign ${recipe.name}: no cached tree at ${folder} (${rerun("foreign-trees")})`);
        continue;
      }
      const raw = JSON.parse(await readFile(join(folder, "truth.json"), "utf8")) as TruthGraph;
      const truth: TruthGraph = {
        models: raw.models.map(({ id, stage, tree }) => ({ id, stage, tree })),
        edges: raw.edges.map(({ parent, child }) => ({ parent, child })),
      };
      sets.push({ name: recipe.name, models: await discoverModels([folder]), truth });
    }
  }
  if (families.includes("vthr")) {
    const split = await cachedVthrSplit(quick ? VTHR_QUICK : VTHR_DEFAULTS, "ft", cache);
    if ("missing" in split) skipped.push(`VTHR FT: ${split.missing}/${split.total} models not cached under ${cache} (${rerun("vthr")})`);
    else sets.push({ name: "vthr-ft", models: split.models, truth: split.truth });
  }
  return { sets, skipped };
}
