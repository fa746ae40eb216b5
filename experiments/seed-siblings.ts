#!/usr/bin/env bun
/**
 * Paper §6.3 ("robustness to similar models"): per root, three fine-tunes with the same recipe
 * and task that differ only in the training seed.
 *
 *   1. plan      the VTHR plan + per root `siblings` copies of its first FT child's recipe, new seeds
 *   2. train     only the siblings (the VTHR models come from the cache of experiments/vthr.ts)
 *   3. measure   per root: ℓ_FT to parent vs nearest sibling; recover the family alone and
 *                inside the root's FT tree; all families as one Model Graph
 *   4. save      the distances and recovered graphs as JSON
 *   5. report    reports/seed-siblings.html + the same tables on the terminal
 *
 * Usage: bun run experiments/seed-siblings.ts [--quick] [--siblings N] [--seed N] [--reports DIR] [--cache DIR]
 */
import { join } from "node:path";
import { defaultProgress } from "../src/ui/progress.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { planVthr, splitTruth } from "../src/harness/vthr/plan-vthr.ts";
import { VTHR_DEFAULTS, VTHR_QUICK } from "../src/harness/vthr/vthr-settings.ts";
import { experimentCommand, atLeast, publishReport, runExperiment, settingsOf, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { loadVthr, openArtifacts } from "../src/harness/ablation/load-vthr.ts";
import { planSeedSiblings, seedSiblingTruth } from "../src/harness/ablation/plan-seed-siblings.ts";
import { seedSiblingStudy } from "../src/harness/ablation/seed-sibling-study.ts";
import { seedSiblingsPage } from "../src/harness/ablation/seed-siblings-report.ts";

/** Every setting, with why. */
const DEFAULTS = {
  /** The VTHR models (experiments/vthr.ts defaults, so its cached models are reused). */
  vthr: VTHR_DEFAULTS,
  /** Seed siblings per root (paper: 3). */
  siblings: 3,
  /** Master seed of the siblings' training seeds. */
  seed: 63,
  /** Sibling training steps; undefined = the VTHR fine-tune recipe's. */
  steps: undefined as number | undefined,
};
type Settings = typeof DEFAULTS;
/** Quick: shorter sibling fine-tunes, so a fresh test cache trains them in seconds. */
const QUICK: Settings = { ...DEFAULTS, vthr: VTHR_QUICK, steps: 30 };

interface Options extends CommonCliOptions {
  readonly siblings?: number;
}

const program = experimentCommand(
  "seed-siblings",
  "Paper §6.3: same-recipe fine-tunes differing only in seed — farther from each other than from the parent?",
).option("--siblings <n>", `seed siblings per root (default ${DEFAULTS.siblings})`, atLeast(2));

async function main(options: Options): Promise<void> {
  const started = performance.now();
  const settings = settingsOf(options.quick ? QUICK : DEFAULTS, { siblings: options.siblings, seed: options.seed });
  const progress = defaultProgress();

  // 1. plan
  const plan = planVthr(settings.vthr);
  const siblings = planSeedSiblings(plan, { count: settings.siblings, masterSeed: settings.seed, steps: settings.steps });
  const families = seedSiblingTruth(plan, siblings);
  const ftSplit = splitTruth(plan, "ft");

  // 2. train (VTHR models cached; siblings new)
  const vthr = await loadVthr(settings.vthr, { cache: options.cache, progress, extra: siblings, label: "train VTHR models + seed siblings" });
  const models = await openArtifacts([...new Set([...ftSplit.models, ...families.models].map((m) => m.id))], vthr.artifacts);

  // 3. measure
  const results = await seedSiblingStudy(models, families, ftSplit);

  // 4. save
  const dataDir = join(options.reports, "data", "seed-siblings");
  await writeFileAtomic(join(dataDir, "results.json"), `${JSON.stringify({ truth: families, ftSplit, results }, null, 1)}\n`);

  // 5. report
  const template = siblings[0]!.config;
  const recipe = `${template.steps} steps, ${template.optimizer.kind}, lr ${template.lr.toPrecision(2)}, batch ${template.batchSize}, full fine-tuning`;
  const page = seedSiblingsPage(results, families, recipe);
  await publishReport(options.reports, page, dataDir, started);
}

await runExperiment(program, main);
