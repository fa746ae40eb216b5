#!/usr/bin/env bun
/**
 * Paper Fig. 2 (§4.1): weight distance vs Model Tree edge distance on the VTHR models.
 *
 *   1. load      the VTHR models of experiments/vthr.ts (cached: same settings ⇒ same keys)
 *   2. measure   per split and tree: recovery's D (ℓ_FT on FT, ℓ_LoRA on LoRA-V) against
 *                hop counts in the true tree → Spearman/Pearson ρ, nearest-neighbour rate
 *   3. save      every pair (ids, edge distance, weight distance) as JSON
 *   4. report    reports/fig2-distance.html + the same tables on the terminal
 *
 * Usage: bun run experiments/fig2-distance.ts [--quick] [--reports DIR] [--cache DIR]
 */
import { join } from "node:path";
import { defaultProgress } from "../src/ui/progress.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { VTHR_DEFAULTS, VTHR_QUICK, type SplitName } from "../src/harness/vthr/vthr-settings.ts";
import type { DistanceChoice } from "../src/recover/tree-distance.ts";
import { experimentCommand, publishReport, runExperiment, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { loadVthr } from "../src/harness/ablation/load-vthr.ts";
import { splitDistanceAnalysis } from "../src/harness/ablation/split-distance-analysis.ts";
import { fig2DistancePage, type SplitDistanceResult } from "../src/harness/ablation/fig2-distance-report.ts";

/** Every setting, with why. */
const DEFAULTS = {
  /** The VTHR models to measure (experiments/vthr.ts defaults, so its cached models are reused). */
  vthr: VTHR_DEFAULTS,
  /** Which split is measured with which ℓ (paper Fig. 2: full FT with ℓ_FT, LoRA with ℓ_LoRA). */
  measure: [
    { split: "ft", distance: "ft" },
    { split: "lora-v", distance: "lora" },
  ] as readonly { split: SplitName; distance: DistanceChoice }[],
};
type Settings = typeof DEFAULTS;
const QUICK: Settings = { ...DEFAULTS, vthr: VTHR_QUICK };

const program = experimentCommand(
  "fig2-distance",
  "Paper Fig. 2: weight distance vs tree edge distance (ℓ_FT on FT, ℓ_LoRA on LoRA-V), with Spearman/Pearson ρ",
  {},
);

async function main(options: CommonCliOptions): Promise<void> {
  const started = performance.now();
  const settings = options.quick ? QUICK : DEFAULTS;
  const progress = defaultProgress();

  // 1. load
  const vthr = await loadVthr(settings.vthr, { cache: options.cache, progress });

  // 2. measure
  const results: SplitDistanceResult[] = [];
  for (const { split, distance } of settings.measure) {
    const { models, truth } = await vthr.openSplit(split);
    results.push(await splitDistanceAnalysis(split, models, truth, distance));
  }

  // 3. save
  const dataDir = join(options.reports, "data", "fig2-distance");
  for (const r of results) {
    const pairs = r.trees.flatMap((t) => t.pairs.map((p) => ({ tree: t.root, ...p })));
    await writeFileAtomic(join(dataDir, `${r.split}-pairs.json`), `${JSON.stringify({ split: r.split, distance: r.distance, pairs }, null, 1)}\n`);
  }

  // 4. report
  const page = fig2DistancePage(results);
  await publishReport(options.reports, page, dataDir, started);
}

await runExperiment(program, main);
