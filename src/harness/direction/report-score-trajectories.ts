/**
 * The score-trajectory report (paper Fig. 3, 14, 19): the directional score over pre-training
 * and fine-tuning steps, its variants and its layer types, each with the monotonicity numbers
 * (Spearman ρ vs step) that turn "only kurtosis is consistently monotone" into a check.
 * Built only from recorded snapshots — never trains.
 */
import type { ReportPage, ReportTable, StepPoint } from "../../report/index.ts";
import { seriesOverSteps } from "../../report/index.ts";
import type { Cell } from "../../report/format-cell.ts";
import type { ScoreName } from "../../types.ts";
import { candidateMonotonicity, type CandidateMonotonicity, type TracedRun } from "./candidate-monotonicity.ts";
import { SINGLE_LAYER_SETS, SCORE_VARIANTS, LAYER_SETS, scoreCandidates, type LayerSet } from "./layer-sets.ts";
import { consistentDirection, MONOTONE_RHO } from "./monotonicity.ts";
import { scoreTrajectory } from "./score-trajectory.ts";
import { bug } from "../../errors.ts";

export interface TrajectoryResults {
  readonly pretraining: readonly TracedRun[];
  readonly fineTuning: readonly TracedRun[];
  /** Layer set of the Fig. 3 / Fig. 14 score (the recovery default). */
  readonly defaultLayers: LayerSet;
  /** Training steps of the runs, for the description. */
  readonly pretrainSteps: readonly number[];
  readonly fineTuneSteps: number;
}

/** The numbers of the page, computed once (also what the terminal prints). */
export interface TrajectoryNumbers {
  readonly pretraining: readonly CandidateMonotonicity[];
  readonly fineTuning: readonly CandidateMonotonicity[];
}

/** Monotonicity of every statistic × layer set on both stages. */
export function trajectoryNumbers(results: TrajectoryResults): TrajectoryNumbers {
  const candidates = scoreCandidates(SCORE_VARIANTS, uniqueSets([results.defaultLayers, ...LAYER_SETS]));
  return { pretraining: candidateMonotonicity(results.pretraining, candidates), fineTuning: candidateMonotonicity(results.fineTuning, candidates) };
}

function uniqueSets(sets: readonly LayerSet[]): LayerSet[] {
  const seen = new Set<string>();
  return sets.filter((set) => !seen.has(set.name) && seen.add(set.name));
}

function find(rows: readonly CandidateMonotonicity[], score: ScoreName, layers: string): CandidateMonotonicity {
  const row = rows.find((r) => r.candidate.score === score && r.candidate.layers.name === layers);
  if (!row) bug(`no monotonicity for ${score} over ${layers}`);
  return row;
}

function points(runs: readonly TracedRun[], score: ScoreName, layers: LayerSet, panel?: string): StepPoint[] {
  return runs.flatMap((run) =>
    scoreTrajectory(run.snapshots, score, layers.kinds).map((p) => ({ step: p.step, value: p.value, series: run.id, ...(panel ? { panel } : {}) })),
  );
}

function verdict(direction: -1 | 0 | 1): string {
  return direction === 1 ? "rises" : direction === -1 ? "falls" : "no";
}

/** One row per candidate: per-root mean ρ (fine-tuning), then all-runs summary. */
function monotonicityTable(
  title: string,
  rows: readonly CandidateMonotonicity[],
  roots: readonly string[],
  label: (row: CandidateMonotonicity) => string,
): ReportTable {
  return {
    title,
    columns: ["candidate", ...roots.map((root) => `ρ ${root}`), "mean ρ", "min ρ", "max ρ", `consistently monotone (all |ρ| ≥ ${MONOTONE_RHO}, one sign)`],
    rows: rows.map((row) => {
      const rhos = row.perRun.map((r) => r.rho);
      const perRoot: Cell[] = roots.map((root) => mean(row.perRun.filter((r) => r.root === root).map((r) => r.rho)));
      return [label(row), ...perRoot, mean(rhos), Math.min(...rhos), Math.max(...rhos), verdict(consistentDirection(rhos))];
    }),
    note: "ρ = Spearman correlation of the score with the training step (−1: falls at every snapshot). Per-root columns average that root's runs.",
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The report page. */
export function scoreTrajectoriesPage(results: TrajectoryResults, numbers: TrajectoryNumbers = trajectoryNumbers(results)): ReportPage {
  const roots = [...new Set(results.fineTuning.map((r) => r.root))];
  const L = results.defaultLayers;
  const kurtosisPt = find(numbers.pretraining, "kurtosis", L.name);
  const kurtosisFt = find(numbers.fineTuning, "kurtosis", L.name);
  const rhosPt = kurtosisPt.perRun.map((r) => r.rho);
  const rhosFt = kurtosisFt.perRun.map((r) => r.rho);
  const variantRows = SCORE_VARIANTS.map((score) => find(numbers.fineTuning, score, L.name));
  const layerRows = [...SINGLE_LAYER_SETS, ...LAYER_SETS.filter((s) => !SINGLE_LAYER_SETS.includes(s))].map((set) =>
    find(numbers.fineTuning, "kurtosis", set.name),
  );
  const consistentVariants = variantRows.filter((row) => consistentDirection(row.perRun.map((r) => r.rho)) !== 0).map((row) => row.candidate.score);
  const consistentLayers = LAYER_SETS.filter((set) => consistentDirection(find(numbers.fineTuning, "kurtosis", set.name).perRun.map((r) => r.rho)) === -1).map(
    (s) => s.name,
  );
  const consistentOverAll = SCORE_VARIANTS.filter((score) => consistentDirection(find(numbers.fineTuning, score, "all").perRun.map((r) => r.rho)) !== 0);

  const fig3: StepPoint[] = [
    ...points(results.pretraining, "kurtosis", L, "pre-training (generalization)"),
    ...points(results.fineTuning, "kurtosis", L, "fine-tuning (specialization)"),
  ];
  const fig14 = SCORE_VARIANTS.flatMap((score) => points(results.fineTuning, score, L, score));
  const fig19 = SINGLE_LAYER_SETS.flatMap((set) => points(results.fineTuning, "kurtosis", set, set.name));

  const runTable: ReportTable = {
    title: `Fig. 3 — kurtosis score over ${L.name} layers: ρ with the step per run`,
    columns: ["run", "stage", "root", "score at step 0", "score at end", "ρ (score vs step)", "moves as the paper says"],
    rows: [...results.pretraining, ...results.fineTuning].map((run) => {
      const trajectory = scoreTrajectory(run.snapshots, "kurtosis", L.kinds);
      const rho = [...kurtosisPt.perRun, ...kurtosisFt.perRun].find((r) => r.id === run.id)!.rho;
      const expected = run.stage === "generalization" ? rho >= MONOTONE_RHO : rho <= -MONOTONE_RHO;
      return [run.id, run.stage, run.root, trajectory[0]!.value, trajectory.at(-1)!.value, rho, expected ? "yes" : "no"];
    }),
  };
  const candidateTable: ReportTable = {
    title: "Every statistic × layer set: monotonicity in the direction the stage predicts (rise in pre-training, fall in fine-tuning)",
    columns: [
      "score",
      "layers",
      "fine-tuning: mean −ρ",
      "fine-tuning: runs with −ρ ≥ 0.8",
      "fine-tuning: worst −ρ",
      "pre-training: mean ρ",
      "pre-training: runs with ρ ≥ 0.8",
    ],
    rows: numbers.fineTuning.map((ft, i) => {
      const pt = numbers.pretraining[i]!;
      return [
        ft.candidate.score,
        ft.candidate.layers.name,
        ft.summary.meanSignedRho,
        ft.summary.fractionMonotone,
        ft.summary.worstSignedRho,
        pt.summary.meanSignedRho,
        pt.summary.fractionMonotone,
      ];
    }),
    note: "Signed so that 1 = monotone in the paper's predicted direction for the stage; a negative number is a trend the other way.",
  };

  const fraction = (rhos: readonly number[], sign: 1 | -1) => rhos.filter((rho) => rho * sign >= MONOTONE_RHO).length / rhos.length;
  return {
    slug: "score-trajectories",
    title: "Directional score over training (Fig. 3, 14, 19)",
    summary:
      `Kurtosis over ${L.name} layers rises (ρ ≥ ${MONOTONE_RHO}) in ${fraction(rhosPt, 1).toFixed(2)} of pre-training runs and ` +
      `falls in ${fraction(rhosFt, -1).toFixed(2)} of fine-tuning runs; consistently monotone variants: ` +
      `${consistentVariants.join(", ") || "none"}.`,
    description:
      `Per-layer statistics recorded every few steps while training (trainer snapshots). Pre-training: each VTHR root recipe ` +
      `re-trained from random init for ${results.pretrainSteps.join("/")} steps (generalization). ` +
      `Fine-tuning: ${results.fineTuning.length} full fine-tunes (${results.fineTuneSteps} steps, the VTHR recipe, random tasks) ` +
      `from the ${roots.length} VTHR roots (specialization). ` +
      `The score is the statistic summed over the layers of the set (Fig. 3/14: ${L.name} = the recovery default). Monotonicity = Spearman ρ of score vs step.`,
    figures: [
      {
        title: "Fig. 3: kurtosis score over pre-training (left) and fine-tuning (right)",
        spec: seriesOverSteps(fig3, { title: "Directional score (Σ kurtosis) over training", yTitle: "Σ kurtosis", seriesTitle: "run", columns: 2 }),
        caption: "Paper: the score rises during pre-training and falls during fine-tuning, almost monotonically.",
      },
      {
        title: "Fig. 14: score variants over fine-tuning",
        spec: seriesOverSteps(fig14, { title: "Score variants over fine-tuning", yTitle: "Σ statistic", seriesTitle: "run", columns: 3 }),
        caption: "Paper: only kurtosis stays consistently (almost) monotone across roots. Each line is one fine-tune; colour = run.",
      },
      {
        title: "Fig. 19: kurtosis per layer type over fine-tuning",
        spec: seriesOverSteps(fig19, { title: "Σ kurtosis per layer type over fine-tuning", yTitle: "Σ kurtosis", seriesTitle: "run", columns: 3 }),
        caption: "Paper: the dense layer is the only one consistently monotone (query, key, value vary by root).",
      },
    ],
    tables: [
      runTable,
      monotonicityTable(`Fig. 14 — score variants over fine-tuning (${L.name} layers)`, variantRows, roots, (row) => row.candidate.score),
      monotonicityTable("Fig. 19 — Σ kurtosis per layer type over fine-tuning", layerRows, roots, (row) => row.candidate.layers.name),
      candidateTable,
    ],
    paperComparison: {
      source: "Fig. 3, 14, 19",
      rows: [
        {
          quantity: "pre-training runs where Σ kurtosis rises (ρ ≥ 0.8)",
          ours: `${rhosPt.filter((r) => r >= MONOTONE_RHO).length}/${rhosPt.length}`,
          paper: "all (ViT, ResNet)",
        },
        {
          quantity: "fine-tuning runs where Σ kurtosis falls (ρ ≤ −0.8)",
          ours: `${rhosFt.filter((r) => r <= -MONOTONE_RHO).length}/${rhosFt.length}`,
          paper: "all (ViT, ResNet)",
        },
        {
          quantity: `variants consistently monotone over fine-tuning, ${L.name} layers as L`,
          ours: consistentVariants.join(", ") || "none",
          paper: "kurtosis only",
        },
        ...(L.name === "all"
          ? []
          : [
              {
                quantity: "variants consistently monotone over fine-tuning, all block matrices as L",
                ours: consistentOverAll.join(", ") || "none",
                paper: "kurtosis only",
              },
            ]),
        { quantity: "layer sets where Σ kurtosis consistently falls", ours: consistentLayers.join(", ") || "none", paper: "dense only" },
      ],
    },
  };
}
