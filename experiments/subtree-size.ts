#!/usr/bin/env bun
/**
 * Paper Table 4 (§6.3, "robustness to smaller Model Trees"): accuracy on random connected
 * sub-trees of the VTHR trees, by size.
 *
 *   1. load      the VTHR models of experiments/vthr.ts (cached: same settings ⇒ same keys)
 *   2. sample    per root and size (20/40/60/80/100 % of its models): random connected sub-trees
 *   3. recover   each sub-tree alone (cluster known), score against the true edges among its members
 *   4. save      every sample (members, recovered graph, accuracy) as JSON
 *   5. report    reports/subtree-size.html + the same table on the terminal
 *
 * Usage: bun run experiments/subtree-size.ts [--quick] [--samples N] [--split ft] [--root-closed]
 *        [--seed N] [--reports DIR] [--cache DIR]
 */
import { join } from "node:path";
import { defaultProgress } from "../src/ui/progress.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { VTHR_DEFAULTS, VTHR_QUICK, type SplitName } from "../src/harness/vthr/vthr-settings.ts";
import { experimentCommand, atLeast, publishReport, runExperiment, settingsOf, splitName, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { loadVthr } from "../src/harness/ablation/load-vthr.ts";
import { subtreeSweep, subtreeSweepCount } from "../src/harness/ablation/subtree-sweep.ts";
import { subtreeSizePage } from "../src/harness/ablation/subtree-size-report.ts";

/** Every setting, with why. */
const DEFAULTS = {
  /** The VTHR models (experiments/vthr.ts defaults, so its cached models are reused). */
  vthr: VTHR_DEFAULTS,
  /** Paper Table 4 reports the FT split. */
  split: "ft" as SplitName,
  /** Shares of each tree's models (paper: 20/40/60/80/100 % → 4/8/13/17/21 of 21). */
  fractions: [0.2, 0.4, 0.6, 0.8, 1.0] as readonly number[],
  /** Random sub-trees per size and root (paper: 10). */
  samples: 10,
  /** false: any connected part of the tree (its top may be a fine-tune); true: always keep the root. */
  rootClosed: false,
  /** Seed of the sub-tree draws. */
  seed: 7,
};
type Settings = typeof DEFAULTS;
const QUICK: Settings = { ...DEFAULTS, vthr: VTHR_QUICK, fractions: [0.4, 0.6, 1.0], samples: 3 };

interface Options extends CommonCliOptions {
  readonly samples?: number;
  readonly split?: SplitName;
  readonly rootClosed?: boolean;
}

const program = experimentCommand("subtree-size", "Paper Table 4: accuracy on random connected sub-trees of 20–100 % of each VTHR tree")
  .option("--samples <n>", `random sub-trees per size and root (default ${DEFAULTS.samples})`, atLeast(1))
  .option("--split <name>", `split to sample (default ${DEFAULTS.split})`, splitName)
  .option("--root-closed", "every sub-tree keeps the tree's root");

async function main(options: Options): Promise<void> {
  const started = performance.now();
  const settings = settingsOf(options.quick ? QUICK : DEFAULTS, {
    samples: options.samples,
    split: options.split,
    rootClosed: options.rootClosed,
    seed: options.seed,
  });
  const progress = defaultProgress();

  // 1. load
  const vthr = await loadVthr(settings.vthr, { cache: options.cache, progress });
  const { models, truth } = await vthr.openSplit(settings.split);

  // 2–3. sample and recover
  const task = progress.start("recover sub-trees", subtreeSweepCount(truth, settings));
  const samples = await subtreeSweep(models, truth, settings, () => task.advance());
  task.finish();

  // 4. save
  const dataDir = join(options.reports, "data", "subtree-size");
  await writeFileAtomic(join(dataDir, `${settings.split}-samples.json`), `${JSON.stringify({ settings: { ...settings, vthr: undefined }, truth, samples })}\n`);

  // 5. report
  const page = subtreeSizePage(samples, settings.split, settings.rootClosed);
  await publishReport(options.reports, page, dataDir, started);
}

await runExperiment(program, main);
