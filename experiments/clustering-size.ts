#!/usr/bin/env bun
/**
 * Paper Fig. 7 (§6.3, "clustering robustness to smaller Model Graphs"): clustering accuracy
 * of random small Model Graphs drawn from the VTHR splits.
 *
 *   1. load      the VTHR models of experiments/vthr.ts (cached: same settings ⇒ same keys)
 *   2. sample    per split and size n: random sets of n models across all trees
 *   3. recover   each set as a Model Graph, tree count known and auto; score clustering and edges
 *   4. save      every sample (members, recovered graph, scores) as JSON
 *   5. report    reports/clustering-size.html + the same table on the terminal
 *
 * Usage: bun run experiments/clustering-size.ts [--quick] [--samples N] [--sizes 10,21,...]
 *        [--seed N] [--reports DIR] [--cache DIR]
 */
import { join } from "node:path";
import { defaultProgress } from "../src/ui/progress.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { VTHR_DEFAULTS, VTHR_QUICK, type SplitName } from "../src/harness/vthr/vthr-settings.ts";
import { experimentCommand, atLeast, numberList, publishReport, runExperiment, settingsOf, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { loadVthr } from "../src/harness/ablation/load-vthr.ts";
import { clusteringSweep, clusteringSweepCount, type TreeCountMode } from "../src/harness/ablation/clustering-sweep.ts";
import { clusteringSizePage, type SplitClustering } from "../src/harness/ablation/clustering-size-report.ts";

/** Every setting, with why. */
const DEFAULTS = {
  /** The VTHR models (experiments/vthr.ts defaults, so its cached models are reused). */
  vthr: VTHR_DEFAULTS,
  /** Paper Fig. 7 shows FT and LoRA-V. */
  splits: ["ft", "lora-v"] as readonly SplitName[],
  /** Models per sampled graph: ≈ 10/20/40/60/80/100 % of 105 (paper: down to 10 models). */
  sizes: [10, 21, 42, 63, 84, 105] as readonly number[],
  /** Random sets per size (the whole split is recovered once). */
  samples: 10,
  /** Tree count given (the paper's protocol) and chosen by the tool. */
  modes: ["known", "auto"] as readonly TreeCountMode[],
  /** Seed of the draws. */
  seed: 7,
};
type Settings = typeof DEFAULTS;
const QUICK: Settings = { ...DEFAULTS, vthr: VTHR_QUICK, sizes: [4, 7, 10], samples: 3 };

interface Options extends CommonCliOptions {
  readonly samples?: number;
  readonly sizes?: number[];
}

const program = experimentCommand("clustering-size", "Paper Fig. 7: clustering accuracy of random small Model Graphs (FT, LoRA-V), tree count known and auto")
  .option("--samples <n>", `random sets per size (default ${DEFAULTS.samples})`, atLeast(1))
  .option("--sizes <list>", `models per sampled graph (default ${DEFAULTS.sizes.join(",")})`, numberList);

async function main(options: Options): Promise<void> {
  const started = performance.now();
  const sizes = options.sizes?.map((n) => Math.max(2, Math.round(n)));
  const settings = settingsOf(options.quick ? QUICK : DEFAULTS, { samples: options.samples, sizes, seed: options.seed });
  const progress = defaultProgress();

  // 1. load
  const vthr = await loadVthr(settings.vthr, { cache: options.cache, progress });

  // 2–3. sample and recover, per split
  const results: SplitClustering[] = [];
  for (const split of settings.splits) {
    const { models, truth } = await vthr.openSplit(split);
    const task = progress.start(`recover small ${split} graphs`, clusteringSweepCount(models.length, settings));
    results.push({ split, truth, models: models.length, samples: await clusteringSweep(models, truth, settings, () => task.advance()) });
    task.finish();
  }

  // 4. save
  const dataDir = join(options.reports, "data", "clustering-size");
  for (const r of results)
    await writeFileAtomic(join(dataDir, `${r.split}-samples.json`), `${JSON.stringify({ split: r.split, truth: r.truth, samples: r.samples })}\n`);

  // 5. report
  const page = clusteringSizePage(results);
  await publishReport(options.reports, page, dataDir, started);
}

await runExperiment(program, main);
