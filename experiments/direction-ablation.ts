#!/usr/bin/env bun
/**
 * Which directional score, over which layers (paper §6.3 and Fig. 14/19 as accuracies), and
 * does `--stage auto` find the stage on its own? On the cached VTHR splits:
 *
 *   1. load      the VTHR models (cached by experiments/vthr.ts; nothing new is trained)
 *   2. agree     per split: direction agreement of every statistic × layer set (statistics only)
 *   3. trees     per split: per-tree recovery (cluster known) with each candidate as the score
 *   4. graph     per split: Model Graph recovery for a shortlist (best per split, leaders, default)
 *   5. stage     --stage auto with the default and the leading candidates, against the labelled truth
 *   6. sweep     λ constant × distance layers for the default and the leading candidates
 *   7. report    reports/direction-ablation.html + the same tables on the terminal
 *
 * Usage: bun experiments/direction-ablation.ts [--quick] [--splits ft,lora-f,lora-v]
 *        [--shortlist N] [--reports DIR] [--cache DIR]
 */
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { experimentCommand, numberList, runExperiment, wholeNumber, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { loadVthr } from "../src/harness/ablation/load-vthr.ts";
import { formatDuration } from "../src/ui/format-units.ts";
import { modelStats } from "../src/harness/model-stats.ts";
import { lineProgress, terminalProgress } from "../src/ui/progress.ts";
import {
  accuracyByCandidate,
  lambdaDistanceSweep,
  noDirectionAccuracy,
  prepareTrees,
  recoverGraphByCandidate,
  shortlistCandidates,
} from "../src/harness/direction/candidate-recovery.ts";
import {
  LAYER_SETS,
  SCORE_VARIANTS,
  candidateLabel,
  layerSetByName,
  scoreCandidates,
  type LayerSet,
  type ScoreCandidate,
} from "../src/harness/direction/layer-sets.ts";
import { directionAblationPage, rankAcrossSplits, type SplitDirectionResults } from "../src/harness/direction/report-direction-ablation.ts";
import { evaluateStageAuto } from "../src/harness/direction/stage-auto.ts";
import { SPLITS, VTHR_DEFAULTS, VTHR_QUICK, type SplitName, type VthrSettings } from "../src/harness/vthr/vthr-settings.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../src/recover/options.ts";
import {
  defaultScoreSource,
  runsInRecovery,
  sourceAgreement,
  sourceLabel,
  varianceGrowthAuto,
  type ScoreSource,
} from "../src/harness/direction/score-source.ts";
import { printReportPage, writeReportPage } from "../src/report/index.ts";
import { StatsCache } from "../src/stats/stats-cache.ts";

/** Every setting of this experiment. */
interface DirectionAblationSettings {
  readonly vthr: VthrSettings;
  readonly splits: readonly SplitName[];
  readonly candidates: readonly ScoreCandidate[];
  /** Per split, this many best candidates (by tree accuracy) also get a whole Model Graph recovery. */
  readonly shortlist: number;
  /** The best candidates across splits that, with the default, get --stage auto and the λ × distance sweep. */
  readonly leaders: number;
  /** λ constants c and distance layer sets of the sweep. */
  readonly lambdas: readonly number[];
  readonly distanceLayers: readonly LayerSet[];
}

const DEFAULTS: DirectionAblationSettings = {
  vthr: VTHR_DEFAULTS,
  splits: SPLITS,
  candidates: scoreCandidates(SCORE_VARIANTS, LAYER_SETS, [1, -1]),
  // A Model Graph recovery of 105 models costs ~ a dozen tree recoveries; clustering does not
  // depend on the score, so the graph ranks candidates like the trees do — a few suffice.
  shortlist: 4,
  leaders: 3,
  lambdas: [0, 0.1, 0.3, 1, 3],
  distanceLayers: [layerSetByName("attention"), layerSetByName("mlp"), layerSetByName("all")],
};

const QUICK: DirectionAblationSettings = {
  ...DEFAULTS,
  vthr: VTHR_QUICK,
  candidates: scoreCandidates(["kurtosis", "variance", "entropy"], [layerSetByName("attention"), layerSetByName("mlp-out"), layerSetByName("all")]),
  shortlist: 1,
  leaders: 1,
  lambdas: [0.3, 1],
  distanceLayers: [layerSetByName("attention"), layerSetByName("all")],
};

interface CliOptions extends CommonCliOptions {
  readonly splits?: SplitName[];
  readonly shortlist?: number;
  readonly lambdas?: number[];
}

function splitList(value: string): SplitName[] {
  const names = value.split(",").map((s) => s.trim());
  for (const name of names)
    if (!SPLITS.includes(name as SplitName)) throw new InvalidArgumentError(`unknown split '${name}' (choose from ${SPLITS.join(", ")})`);
  return names as SplitName[];
}

const program = experimentCommand(
  "direction-ablation",
  "Recovery accuracy with each statistic × layer set as the directional score, and --stage auto, on the VTHR splits",
  {},
)
  .option("--splits <list>", `comma-separated splits (default: ${SPLITS.join(",")})`, splitList)
  .option("--shortlist <n>", "best candidates per split that also get a Model Graph recovery", wholeNumber)
  .option("--lambdas <list>", "λ constants c of the sweep", numberList);

async function main(options: CliOptions): Promise<void> {
  const started = performance.now();
  const base = options.quick ? QUICK : DEFAULTS;
  const settings: DirectionAblationSettings = {
    ...base,
    ...(options.splits ? { splits: options.splits } : {}),
    ...(options.shortlist !== undefined ? { shortlist: options.shortlist } : {}),
    ...(options.lambdas ? { lambdas: options.lambdas } : {}),
  };
  const progress = process.stderr.isTTY ? terminalProgress() : lineProgress();
  const defaultCandidate = defaultScoreSource();
  // The default, the variance-growth pair recovery could adopt, then every fixed candidate.
  const proposed = varianceGrowthAuto();
  const candidates: ScoreSource[] = [defaultCandidate, proposed, ...settings.candidates.filter((c) => candidateLabel(c) !== sourceLabel(defaultCandidate))];

  // 1. load
  const vthr = await loadVthr({ ...settings.vthr, splits: settings.splits }, { cache: options.cache, progress });
  const statsCache = new StatsCache(join(options.cache, "stats"));
  const opened = new Map(await Promise.all(settings.splits.map(async (split) => [split, await vthr.openSplit(split)] as const)));

  // 2–3. agreement and per-tree accuracy of every candidate
  const task = progress.start(`agreement and tree accuracy of ${candidates.length} candidates per split`, settings.splits.length);
  const measured = [];
  for (const split of settings.splits) {
    const { models, truth } = opened.get(split)!;
    const rows = (await Promise.all(models.map((model) => modelStats(model, statsCache)))).flat();
    const prepared = await prepareTrees(models, truth);
    const agreement = candidates.map((candidate) => sourceAgreement(candidate, rows, truth, prepared));
    const trees = accuracyByCandidate(prepared, rows, candidates);
    measured.push({ split, roots: [...new Set(truth.models.map((m) => m.tree))], agreement, trees, rows, prepared });
    task.advance();
  }
  task.finish();
  const ranked = rankAcrossSplits({
    splits: measured.map((m) => ({ ...m, graph: [], stageAuto: [], sweep: [], noDirection: 0 })),
    defaultCandidate: "",
    defaultLambda: 0,
  });
  const byLabel = new Map(candidates.map((c) => [sourceLabel(c), c]));
  // Leaders also get Model Graph and --stage auto runs through recoverModels, so only sources it can run.
  const leaders = [
    defaultCandidate,
    ...ranked
      .map((r) => byLabel.get(r.label)!)
      .filter(runsInRecovery)
      .slice(0, settings.leaders),
  ].filter((c, i, all) => all.findIndex((o) => sourceLabel(o) === sourceLabel(c)) === i);

  // 4–6. Model Graph shortlist, stage auto, λ × distance layers
  const splits: SplitDirectionResults[] = [];
  for (const m of measured) {
    const { models, truth } = opened.get(m.split)!;
    const graph = await recoverGraphByCandidate(
      models,
      truth,
      shortlistCandidates(
        m.trees.filter((t) => runsInRecovery(t.candidate)),
        settings.shortlist,
        leaders,
      ),
    );
    const stageAuto = [];
    for (const candidate of leaders)
      stageAuto.push({ candidate: sourceLabel(candidate), result: await evaluateStageAuto(models, truth, m.prepared, m.rows, candidate) });
    const sweep = await lambdaDistanceSweep(models, truth, m.rows, [...leaders, proposed], settings.distanceLayers, settings.lambdas);
    splits.push({
      split: m.split,
      roots: m.roots,
      agreement: m.agreement,
      trees: m.trees,
      graph,
      stageAuto,
      sweep,
      noDirection: noDirectionAccuracy(m.prepared),
    });
  }

  // 7. report
  const page = directionAblationPage({ splits, defaultCandidate: sourceLabel(defaultCandidate), defaultLambda: DEFAULT_RECOVER_OPTIONS.lambda });
  await writeReportPage(options.reports, page);
  printReportPage(page);
  console.log(`\nreport: ${join(options.reports, `${page.slug}.html`)}   wall time ${formatDuration(performance.now() - started)}`);
}

await runExperiment(program, main);
