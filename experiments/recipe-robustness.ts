#!/usr/bin/env bun
/**
 * Does the direction signal survive other people's fine-tuning recipes (SPEC §2)? The same
 * short chains from every VTHR root, re-trained under each recipe:
 *
 *   1. plan      per recipe: from each VTHR root, `chainsPerRoot` chains root → child → grandchild
 *   2. train     roots from the VTHR cache (trainPlanned); chains with snapshots (trainTraced)
 *   3. measure   per recipe × statistic × layer set: direction agreement on the true edges,
 *                monotonicity (ρ vs step) of each fine-tune, tree recovery accuracy
 *   4. report    reports/recipe-robustness.html (+ data/recipe-robustness/chains.json: truth and
 *                checkpoint folder of every model, per recipe) and the same tables on the terminal
 *
 * Usage: bun experiments/recipe-robustness.ts [--quick] [--recipes a,b] [--chains N]
 *        [--no-recover] [--reports DIR] [--cache DIR]
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { experimentCommand, runExperiment, wholeNumber, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { openArtifacts } from "../src/harness/ablation/load-vthr.ts";
import { ArtifactStore } from "../src/harness/artifact-store.ts";
import { formatDuration } from "../src/ui/format-units.ts";
import { modelStats } from "../src/harness/model-stats.ts";
import { lineProgress, terminalProgress } from "../src/ui/progress.ts";
import { trainPlanned } from "../src/harness/train-planned.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { candidateMonotonicity } from "../src/harness/direction/candidate-monotonicity.ts";
import { accuracyByCandidate, noDirectionAccuracy, prepareTrees } from "../src/harness/direction/candidate-recovery.ts";
import { LAYER_SETS, SCORE_VARIANTS, candidateLabel, layerSetByName, scoreCandidates, type ScoreCandidate } from "../src/harness/direction/layer-sets.ts";
import { planRecipeChains, type RecipeChainSettings } from "../src/harness/direction/plan-recipe-chains.ts";
import { FINE_TUNE_RECIPES, recipeByName } from "../src/harness/direction/recipes.ts";
import { recipeRobustnessPage, type RecipeMeasurement } from "../src/harness/direction/report-recipe-robustness.ts";
import { summariseTraining, trainTraced } from "../src/harness/direction/train-traced.ts";
import { RECIPE_CHAINS, RECIPE_VTHR } from "../src/harness/direction/recipe-settings.ts";
import { VTHR_QUICK, type VthrSettings } from "../src/harness/vthr/vthr-settings.ts";
import { defaultScoreSource, sourceAgreement, sourceLabel, varianceGrowthAuto, type ScoreSource } from "../src/harness/direction/score-source.ts";
import { printReportPage, writeReportPage } from "../src/report/index.ts";
import { StatsCache } from "../src/stats/stats-cache.ts";

/** Every setting of this experiment. */
interface RecipeRobustnessSettings {
  /** Roots and base fine-tune recipe (steps, batch, data) come from these VTHR settings. */
  readonly vthr: VthrSettings;
  readonly chains: RecipeChainSettings;
  readonly candidates: readonly ScoreCandidate[];
  /** Also recover each root's tree (root + chains) with every candidate. */
  readonly recoverTrees: boolean;
}

const DEFAULTS: RecipeRobustnessSettings = {
  // The VTHR roots with 200-step chain fine-tunes (recipe-settings.ts; the leaderboard reads the same trees).
  vthr: RECIPE_VTHR,
  chains: RECIPE_CHAINS,
  candidates: scoreCandidates(SCORE_VARIANTS, LAYER_SETS, [1, -1]),
  recoverTrees: true,
};

const QUICK: RecipeRobustnessSettings = {
  // The quick roots (cached by the VTHR test) with half-length fine-tunes: a smoke test of
  // full fine-tuning and LoRA on every Linear, not a measurement.
  vthr: { ...VTHR_QUICK, fineTune: { ...VTHR_QUICK.fineTune, steps: 30, warmupSteps: 5 } },
  chains: { recipes: ["adamw-default", "lora-all-r8"].map(recipeByName), chainsPerRoot: 1, snapshotsPerRun: 6, seedOffset: 7 },
  candidates: scoreCandidates(["kurtosis", "variance"], [layerSetByName("attention"), layerSetByName("mlp"), layerSetByName("all")]),
  recoverTrees: true,
};

interface CliOptions extends CommonCliOptions {
  readonly recipes?: string[];
  readonly chains?: number;
  readonly recover: boolean;
}

function recipeList(value: string): string[] {
  const names = value.split(",").map((s) => s.trim());
  for (const name of names)
    if (!FINE_TUNE_RECIPES.some((r) => r.name === name))
      throw new InvalidArgumentError(`unknown recipe '${name}' (choose from ${FINE_TUNE_RECIPES.map((r) => r.name).join(", ")})`);
  return names;
}

const program = experimentCommand(
  "recipe-robustness",
  "Direction agreement and monotonicity of every score candidate under other fine-tuning recipes (SGD, Adam, LoRA, lr, length)",
  {},
)
  .option("--recipes <list>", `comma-separated recipes (default: all: ${FINE_TUNE_RECIPES.map((r) => r.name).join(",")})`, recipeList)
  .option("--chains <n>", "chains (root → child → grandchild) per root and recipe", wholeNumber)
  .option("--no-recover", "skip tree recovery (agreement and monotonicity only)");

async function main(options: CliOptions): Promise<void> {
  const started = performance.now();
  const base = options.quick ? QUICK : DEFAULTS;
  const settings: RecipeRobustnessSettings = {
    ...base,
    chains: {
      ...base.chains,
      ...(options.recipes ? { recipes: options.recipes.map(recipeByName) } : {}),
      ...(options.chains !== undefined ? { chainsPerRoot: Math.max(1, options.chains) } : {}),
    },
    recoverTrees: base.recoverTrees && options.recover,
  };
  const progress = process.stderr.isTTY ? terminalProgress() : lineProgress();
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });
  const defaultCandidate = defaultScoreSource();
  // The default, the variance-growth pair recovery could adopt, then every fixed candidate.
  const candidates: ScoreSource[] = [
    defaultCandidate,
    varianceGrowthAuto(),
    ...settings.candidates.filter((c) => candidateLabel(c) !== sourceLabel(defaultCandidate)),
  ];

  // 1. plan
  const { roots, chains } = planRecipeChains(settings.vthr, settings.chains);

  // 2. train (every recipe in one pool, so both workers stay busy)
  const rootArtifacts = await trainPlanned(roots, { store, progress, workers: settings.vthr.workers, label: "VTHR roots" });
  const traced = await trainTraced(
    chains.flatMap((c) => c.models),
    { store, progress, workers: settings.vthr.workers, existing: rootArtifacts, label: "recipe chains" },
  );
  const artifacts = new Map([...rootArtifacts, ...[...traced].map(([id, t]) => [id, t.artifact] as const)]);

  // 3. measure
  const statsCache = new StatsCache(join(options.cache, "stats"));
  const task = progress.start("measure recipes", chains.length);
  const recipes: RecipeMeasurement[] = [];
  for (const { recipe, models: planned, truth } of chains) {
    const models = await openArtifacts(
      truth.models.map((m) => m.id),
      artifacts,
    );
    const rows = (await Promise.all(models.map((model) => modelStats(model, statsCache)))).flat();
    const prepared = await prepareTrees(models, truth);
    const runs = planned.map((m) => ({ id: m.id, root: m.tree, stage: "specialization" as const, snapshots: traced.get(m.id)!.snapshots }));
    recipes.push({
      recipe,
      runs: planned.length,
      steps: planned[0]!.config.steps,
      ...summariseTraining(planned.map((m) => traced.get(m.id)!)),
      agreement: candidates.map((candidate) => sourceAgreement(candidate, rows, truth, prepared)),
      monotonicity: candidateMonotonicity(runs, settings.candidates),
      trees: settings.recoverTrees ? accuracyByCandidate(prepared, rows, candidates) : [],
      noDirection: settings.recoverTrees ? noDirectionAccuracy(prepared) : Number.NaN,
    });
    task.advance();
  }
  task.finish();

  // 4. report
  const page = recipeRobustnessPage({
    recipes,
    defaultCandidate: sourceLabel(defaultCandidate),
    chainsPerRoot: settings.chains.chainsPerRoot,
    roots: roots.map((r) => r.id),
  });
  const dataDir = join(options.reports, "data", page.slug);
  await mkdir(dataDir, { recursive: true });
  const data = chains.map(({ recipe, truth }) => ({
    recipe: recipe.name,
    truth,
    folders: Object.fromEntries(truth.models.map((m) => [m.id, artifacts.get(m.id)!.path])),
  }));
  await writeFileAtomic(join(dataDir, "chains.json"), `${JSON.stringify(data, null, 1)}\n`);
  await writeReportPage(options.reports, page);
  printReportPage(page);
  console.log(`\nreport: ${join(options.reports, `${page.slug}.html`)}   wall time ${formatDuration(performance.now() - started)}`);
}

await runExperiment(program, main);
