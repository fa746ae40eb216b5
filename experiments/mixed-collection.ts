#!/usr/bin/env bun
/**
 * Issue #12's mixed collection: one base with full fine-tunes and merged-LoRA children side by
 * side, built from the VTHR splits that share roots (FT, LoRA-F, LoRA-V: 5 roots, 305 models).
 *
 *   1. load      the VTHR models of experiments/vthr.ts (cached: same settings ⇒ same keys)
 *   2. collect   per root: its FT, LoRA-F and LoRA-V children and grandchildren, truth typed
 *   3. recover   the whole collection (trees auto) and each true tree, under each setting
 *   4. hold out  leave one root out: a setting chosen on four trees, scored on the fifth
 *   5. report    reports/mixed-collection.html + data/mixed-collection/*.json + the terminal
 *
 * Usage: bun run experiments/mixed-collection.ts [--quick] [--reports DIR] [--cache DIR]
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { defaultProgress } from "../src/ui/progress.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { SPLITS, VTHR_DEFAULTS, VTHR_QUICK } from "../src/harness/vthr/vthr-settings.ts";
import { experimentCommand, publishReport, runExperiment, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { loadVthr, openArtifacts } from "../src/harness/ablation/load-vthr.ts";
import type { OptionVariant } from "../src/harness/ablation/option-sweep.ts";
import { mixedTruth } from "../src/harness/mixed/mixed-truth.ts";
import { leaveOneRootOut, mixedStudy } from "../src/harness/mixed/mixed-study.ts";
import { mixedCollectionPage } from "../src/harness/mixed/mixed-report.ts";
import { formatGraph } from "../src/recover/format.ts";

/** Every setting, with why. */
const DEFAULTS = {
  /** The VTHR models (experiments/vthr.ts defaults, so its cached models are reused). */
  vthr: VTHR_DEFAULTS,
  /** Splits pooled per root: all three share the roots. */
  splits: SPLITS,
  /** Settings compared: the tool's defaults first (what a user gets), then each distance forced. */
  variants: [
    { label: "defaults", overrides: {} },
    { label: "--distance ft", overrides: { distance: "ft" } },
    { label: "--distance lora", overrides: { distance: "lora" } },
  ] as readonly OptionVariant[],
};
type Settings = typeof DEFAULTS;
const QUICK: Settings = { ...DEFAULTS, vthr: VTHR_QUICK };

const program = experimentCommand("mixed-collection", "Issue #12: full and merged-LoRA children of one base recovered together (VTHR splits pooled)", {});

async function main(options: CommonCliOptions): Promise<void> {
  const started = performance.now();
  const settings = options.quick ? QUICK : DEFAULTS;
  const progress = defaultProgress();

  // 1. load
  const vthr = await loadVthr(settings.vthr, { cache: options.cache, progress });

  // 2. collect
  const truth = mixedTruth(vthr.plan, settings.splits);
  const models = await openArtifacts(
    truth.models.map((m) => m.id),
    vthr.artifacts,
  );

  // 3. recover
  const roots = new Set(truth.models.map((m) => m.tree)).size;
  const task = progress.start("recover settings", settings.variants.length * (1 + roots));
  const results = await mixedStudy(models, truth, settings.variants, () => task.advance());
  task.finish();

  // 4. hold out
  const folds = leaveOneRootOut(results);

  // 5. report
  const dataDir = join(options.reports, "data", "mixed-collection");
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(join(dataDir, "truth.json"), `${JSON.stringify(truth, null, 2)}\n`);
  for (const [i, result] of results.entries()) await writeFileAtomic(join(dataDir, `recovered-${i}.json`), formatGraph(result.recovered, "json"));
  await publishReport(options.reports, mixedCollectionPage(results, folds, models.length), dataDir, started);
}

await runExperiment(program, main);
