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
import { Command, InvalidArgumentError } from "commander";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ArtifactStore } from "../src/harness/artifact-store.ts";
import { lineProgress, terminalProgress } from "../src/harness/progress.ts";
import { formatDuration } from "../src/harness/format-units.ts";
import { trainPlanned } from "../src/harness/train-planned.ts";
import { modelStats } from "../src/harness/model-stats.ts";
import { writeFileAtomic } from "../src/harness/write-file-atomic.ts";
import { planVthr, splitTruth } from "../src/harness/vthr/plan-vthr.ts";
import { openModels, recoverSplit } from "../src/harness/vthr/recover-vthr.ts";
import { vthrReportPage, type VthrResults } from "../src/harness/vthr/report-vthr.ts";
import { SPLITS, VTHR_DEFAULTS, VTHR_QUICK, type SplitName, type VthrSettings } from "../src/harness/vthr/vthr-settings.ts";
import { printReportPage, writeReportPage } from "../src/report/index.ts";
import { statsToArrow, writeStatsTable } from "../src/stats/stats-table.ts";
import { StatsCache } from "../src/stats/stats-cache.ts";
import { formatGraph } from "../src/recover/format.ts";
import { MotherError } from "../src/errors.ts";

interface CliOptions {
  quick?: boolean;
  splits?: SplitName[];
  seed?: number;
  workers?: number;
  reports: string;
  cache: string;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
}

function splitList(value: string): SplitName[] {
  const names = value.split(",").map((s) => s.trim());
  for (const name of names) if (!SPLITS.includes(name as SplitName)) throw new InvalidArgumentError(`unknown split '${name}' (choose from ${SPLITS.join(", ")})`);
  return names as SplitName[];
}

const program = new Command("vthr")
  .description("Train the VTHR-style model trees (FT, LoRA-F, LoRA-V) and regenerate the paper's Table 1")
  .option("--quick", "small trees and short runs: an end-to-end smoke test")
  .option("--splits <list>", `comma-separated splits (default: ${SPLITS.join(",")})`, splitList)
  .option("--seed <n>", "master seed of task draws, seeds and hyper-parameter jitter", integer)
  .option("--workers <n>", "parallel training workers (one ORT thread each)", integer)
  .option("--reports <dir>", "where report pages go", "reports")
  .option("--cache <dir>", "artefact cache (models, statistics)", ".cache")
  .showHelpAfterError();

async function main(options: CliOptions): Promise<void> {
  const started = performance.now();
  const base = options.quick ? VTHR_QUICK : VTHR_DEFAULTS;
  const settings: VthrSettings = {
    ...base,
    ...(options.splits ? { splits: options.splits } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.workers !== undefined ? { workers: Math.max(1, options.workers) } : {}),
  };
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
  await writeReportPage(options.reports, page);
  printReportPage(page);
  console.log(`\nreport: ${join(options.reports, "vthr-table-1.html")}   data: ${dataDir}   wall time ${formatDuration(performance.now() - started)}`);
}

try {
  program.parse();
  await main(program.opts<CliOptions>());
} catch (error) {
  if (error instanceof MotherError) {
    process.stderr.write(`vthr: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
