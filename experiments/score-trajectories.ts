#!/usr/bin/env bun
/**
 * Paper Fig. 3, 14, 19: how the directional score moves during training, from per-layer
 * statistics the trainer records every few steps.
 *
 *   1. plan      the VTHR roots (cached by experiments/vthr.ts), fresh pre-training runs of
 *                the root recipes, and full fine-tunes from each root — all with snapshots
 *   2. train     roots via trainPlanned (found in the cache), traced runs via trainTraced
 *   3. measure   per run and per statistic × layer set: Spearman ρ of the score vs the step
 *   4. report    reports/score-trajectories.html (+ data/score-trajectories/runs.json: each run's
 *                artefact folder) and the same tables on the terminal
 *
 * Usage: bun experiments/score-trajectories.ts [--quick] [--pretrain-fraction F]
 *        [--fine-tunes N] [--snapshots N] [--reports DIR] [--cache DIR]
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { experimentCommand, runExperiment, wholeNumber, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { ArtifactStore } from "../src/harness/artifact-store.ts";
import { formatDuration } from "../src/ui/format-units.ts";
import { lineProgress, terminalProgress } from "../src/ui/progress.ts";
import { trainPlanned } from "../src/harness/train-planned.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { layerSetOf } from "../src/harness/direction/layer-sets.ts";
import { planTrajectoryRuns, type TrajectorySettings } from "../src/harness/direction/plan-trajectory-runs.ts";
import { scoreTrajectoriesPage } from "../src/harness/direction/report-score-trajectories.ts";
import { trainTraced } from "../src/harness/direction/train-traced.ts";
import { VTHR_DEFAULTS, VTHR_QUICK, type VthrSettings } from "../src/harness/vthr/vthr-settings.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../src/recover/options.ts";
import { printReportPage, writeReportPage } from "../src/report/index.ts";

/** Every setting of this experiment. */
interface ScoreTrajectorySettings {
  /** The VTHR settings whose roots (and fine-tune recipe) the runs use. */
  readonly vthr: VthrSettings;
  readonly runs: TrajectorySettings;
}

const DEFAULTS: ScoreTrajectorySettings = {
  vthr: VTHR_DEFAULTS,
  // Half-length pre-training keeps five roots at ≈ 3 min on two cores; 20 snapshots per run
  // resolve a turn-around; two fine-tunes per root show whether a root's trend is the root's or the task's.
  runs: { pretrainFraction: 0.5, snapshotsPerRun: 20, fineTunesPerRoot: 2 },
};

const QUICK: ScoreTrajectorySettings = {
  vthr: VTHR_QUICK,
  runs: { pretrainFraction: 0.5, snapshotsPerRun: 10, fineTunesPerRoot: 1 },
};

interface CliOptions extends CommonCliOptions {
  readonly pretrainFraction?: number;
  readonly fineTunes?: number;
  readonly snapshots?: number;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError("expected a number in (0, 1]");
  return n;
}

const program = experimentCommand("score-trajectories", "Directional score over pre-training and fine-tuning steps (paper Fig. 3, 14, 19)", {})
  .option("--pretrain-fraction <f>", "fraction of each root recipe's steps the fresh pre-training runs take", fraction)
  .option("--fine-tunes <n>", "full fine-tunes from each root", wholeNumber)
  .option("--snapshots <n>", "statistics snapshots per run", wholeNumber);

async function main(options: CliOptions): Promise<void> {
  const started = performance.now();
  const base = options.quick ? QUICK : DEFAULTS;
  const settings: ScoreTrajectorySettings = {
    ...base,
    runs: {
      pretrainFraction: options.pretrainFraction ?? base.runs.pretrainFraction,
      fineTunesPerRoot: Math.max(1, options.fineTunes ?? base.runs.fineTunesPerRoot),
      snapshotsPerRun: Math.max(2, options.snapshots ?? base.runs.snapshotsPerRun),
    },
  };
  const progress = process.stderr.isTTY ? terminalProgress() : lineProgress();
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });

  // 1. plan
  const plan = planTrajectoryRuns(settings.vthr, settings.runs);

  // 2. train: the roots come from the VTHR cache; the traced runs are new
  const roots = await trainPlanned(plan.vthrRoots, { store, progress, workers: settings.vthr.workers, label: "VTHR roots" });
  const traced = await trainTraced([...plan.pretraining, ...plan.fineTuning], {
    store,
    progress,
    workers: settings.vthr.workers,
    existing: roots,
    label: "traced runs",
  });

  // 3–4. measure and report (the page computes ρ from the snapshots)
  const run = (model: (typeof plan.pretraining)[number], stage: "generalization" | "specialization") => ({
    id: model.id,
    root: model.tree,
    stage,
    snapshots: traced.get(model.id)!.snapshots,
  });
  const page = scoreTrajectoriesPage({
    pretraining: plan.pretraining.map((m) => run(m, "generalization")),
    fineTuning: plan.fineTuning.map((m) => run(m, "specialization")),
    defaultLayers: layerSetOf(DEFAULT_RECOVER_OPTIONS.scoreKinds),
    pretrainSteps: plan.pretraining.map((m) => m.config.steps),
    fineTuneSteps: plan.fineTuning[0]?.config.steps ?? 0,
  });
  const dataDir = join(options.reports, "data", page.slug);
  await mkdir(dataDir, { recursive: true });
  const runs = [...plan.pretraining, ...plan.fineTuning].map((m) => ({
    id: m.id,
    root: m.tree,
    pretraining: !m.parent,
    folder: traced.get(m.id)!.artifact.path,
  }));
  await writeFileAtomic(join(dataDir, "runs.json"), `${JSON.stringify({ runs }, null, 1)}\n`);
  await writeReportPage(options.reports, page);
  printReportPage(page);
  console.log(`\nreport: ${join(options.reports, `${page.slug}.html`)}   wall time ${formatDuration(performance.now() - started)}`);
}

await runExperiment(program, main);
