#!/usr/bin/env bun
/**
 * VTHR end to end (paper §6, Table 1) on model trees this harness trains itself:
 *
 *   1. plan      roots + FT / LoRA-F / LoRA-V trees from the settings (pure, seeded)
 *   2. train     every model into the artefact cache (two workers; cached ones are skipped)
 *   3. record    truth, per-layer statistics (Arrow) of every model, per split
 *   4. recover   per tree (cluster known) and per Model Graph (clustered), and score
 *   5. report    reports/vthr-table-1.html + the same table on the terminal
 *
 * Usage: bun run experiments/vthr.ts [--quick] [--splits ft,lora-f,lora-v] [--seed N]
 *        [--workers N] [--reports DIR] [--cache DIR]
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ArtifactStore } from "../src/harness/artifact-store.ts";
import { lineProgress, terminalProgress } from "../src/ui/progress.ts";
import { trainPlanned } from "../src/harness/train-planned.ts";
import { modelStats } from "../src/harness/model-stats.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { planVthr, splitTruth } from "../src/harness/vthr/plan-vthr.ts";
import { openModels, recoverSplit } from "../src/harness/vthr/recover-vthr.ts";
import { vthrReportPage, type VthrResults } from "../src/harness/vthr/report-vthr.ts";
import { SPLITS, VTHR_DEFAULTS, VTHR_QUICK, type SplitName, type VthrSettings } from "../src/harness/vthr/vthr-settings.ts";
import { statsToArrow, writeStatsTable } from "../src/stats/stats-table.ts";
import { StatsCache } from "../src/stats/stats-cache.ts";
import { formatGraph } from "../src/recover/format.ts";
import { experimentCommand, publishReport, runExperiment, settingsOf, splitName, type CommonCliOptions } from "../src/harness/experiment-cli.ts";

interface VthrCliOptions extends CommonCliOptions {
  readonly splits?: SplitName[];
}

const program = experimentCommand("vthr", "Train the VTHR-style model trees (FT, LoRA-F, LoRA-V) and regenerate the paper's Table 1", {
  quick: "small trees and short runs: an end-to-end smoke test",
  seed: "master seed of task draws, seeds and hyper-parameter jitter",
  workers: true,
  cache: "artefact cache (models, statistics)",
}).option("--splits <list>", `comma-separated splits (default: ${SPLITS.join(",")})`, (value: string) =>
  value.split(",").map((name) => splitName(name.trim())),
);

async function main(options: VthrCliOptions): Promise<void> {
  const started = performance.now();
  const base = options.quick ? VTHR_QUICK : VTHR_DEFAULTS;
  const settings: VthrSettings = settingsOf(base, { splits: options.splits, seed: options.seed, workers: options.workers });
  const progress = process.stderr.isTTY ? terminalProgress() : lineProgress();
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });

  // 1. plan
  const plan = planVthr(settings);
  const planned = [...plan.roots, ...[...plan.splits.values()].flat()];

  // 2. train
  const artifacts = await trainPlanned(planned, { store, progress, workers: settings.workers, label: "train VTHR models" });

  // 3–4. per split: truth, statistics, recovery
  const dataDir = join(options.reports, "data", "vthr");
  await mkdir(dataDir, { recursive: true });
  const statsCache = new StatsCache(join(options.cache, "stats"));
  const splits: VthrResults["splits"] extends ReadonlyMap<infer K, infer V> ? Map<K, V> : never = new Map();
  for (const split of settings.splits) {
    const truth = splitTruth(plan, split);
    const models = await openModels(new Map(truth.models.map((m) => [m.id, artifacts.get(m.id)!.path])));
    const rows = (await Promise.all(models.map((model) => modelStats(model, statsCache)))).flat();
    await writeStatsTable(join(dataDir, `${split}-layer-stats.arrow`), statsToArrow(rows));
    await writeFileAtomic(join(dataDir, `${split}-truth.json`), `${JSON.stringify(truth, null, 2)}\n`);
    const recovery = await recoverSplit(models, truth);
    await writeFileAtomic(join(dataDir, `${split}-recovered.json`), formatGraph(recovery.graph.graph, "json"));
    splits.set(split, { recovery, truth });
  }

  // 5. report
  const page = vthrReportPage({ roots: settings.roots, splits, trainedModels: planned.length });
  await publishReport(options.reports, page, dataDir, started);
}

await runExperiment(program, main);
