/**
 * The direction-ablation report (paper §6.3 "other directional scores", "effect of layer
 * types", and the stage supervision of §7): per VTHR split, every statistic × layer set as
 * the directional score — direction agreement from the statistics and recovery accuracy —
 * then the ranking across splits, `--stage auto` against the truth, and a λ × distance-layer
 * sweep for the leading candidates. Built only from recovery results — never trains.
 */
import type { AccuracyCell, ReportPage, ReportTable } from "../../report/index.ts";
import { accuracyHeatTable } from "../../report/index.ts";
import type { Cell } from "../../report/format-cell.ts";
import { PAPER_TABLE_1 } from "../vthr/report-vthr.ts";
import type { SplitName } from "../vthr/vthr-settings.ts";
import type { CandidateAccuracy, SweepPoint } from "./candidate-recovery.ts";
import { sourceLabel, type ScoreSource } from "./score-source.ts";
import { rankByWorstCase } from "./rank-by-worst-case.ts";
import type { StageAutoResult } from "./stage-auto.ts";

/** Everything measured on one split. */
export interface SplitDirectionResults {
  readonly split: SplitName;
  readonly roots: readonly string[];
  readonly agreement: readonly { label: string; fraction: number }[];
  readonly trees: readonly CandidateAccuracy[];
  readonly graph: readonly { candidate: ScoreSource; accuracy: number; clustering: number }[];
  readonly stageAuto: readonly { candidate: string; result: StageAutoResult }[];
  readonly sweep: readonly SweepPoint[];
  /** Pooled tree accuracy with a constant score (no direction information). */
  readonly noDirection: number;
}

export interface DirectionAblationResults {
  readonly splits: readonly SplitDirectionResults[];
  /** Label of recovery's current default candidate. */
  readonly defaultCandidate: string;
  readonly defaultLambda: number;
}

const SPLIT_TITLES: Readonly<Record<SplitName, string>> = { ft: "FT", "lora-f": "LoRA-F", "lora-v": "LoRA-V" };

/** Candidates ranked by their worst pooled tree accuracy across splits. */
export function rankAcrossSplits(results: DirectionAblationResults) {
  const labels = results.splits[0]!.trees.map((t) => sourceLabel(t.candidate));
  return rankByWorstCase(
    labels,
    results.splits.map((s) => new Map(s.trees.map((t) => [sourceLabel(t.candidate), t.treesPooled]))),
  );
}

function splitTable(split: SplitDirectionResults): ReportTable {
  const graphOf = new Map(split.graph.map((g) => [sourceLabel(g.candidate), g.accuracy]));
  return {
    title: `${SPLIT_TITLES[split.split]} — every statistic × layer set as the directional score`,
    columns: ["candidate", "direction agreement", ...split.roots.map((r) => `tree ${r}`), "trees pooled", "Model Graph"],
    rows: split.trees.map((t, i) => {
      const agreement = split.agreement[i]!;
      const label = sourceLabel(t.candidate);
      return [label, agreement.fraction, ...split.roots.map((r) => t.perTree.get(r) ?? null), t.treesPooled, graphOf.get(label) ?? null];
    }),
    note:
      "Direction agreement: fraction of true edges whose parent scores higher than its child (specialization), from the statistics " +
      "alone. Trees: edge accuracy with the cluster known. Model Graph: clustered, tree count known (shortlisted candidates only; – " +
      "= not run).",
  };
}

/** The report page. */
export function directionAblationPage(results: DirectionAblationResults): ReportPage {
  const ranked = rankAcrossSplits(results);
  const splitNames = results.splits.map((s) => SPLIT_TITLES[s.split]);
  const agreementByLabel = results.splits.map((s) => new Map(s.agreement.map((a) => [a.label, a.fraction])));
  const rankTable: ReportTable = {
    title: "Candidates ranked by their worst split (pooled per-tree accuracy), then the mean",
    columns: ["candidate", ...splitNames.map((s) => `${s} trees`), "worst", "mean", ...splitNames.map((s) => `${s} agreement`)],
    rows: [
      ...ranked.map((row) => [row.label, ...row.values, row.worst, row.mean, ...agreementByLabel.map((m) => m.get(row.label) ?? null)]),
      [
        "none (constant score)",
        ...results.splits.map((s) => s.noDirection),
        Math.min(...results.splits.map((s) => s.noDirection)),
        results.splits.reduce((a, s) => a + s.noDirection, 0) / results.splits.length,
        ...results.splits.map(() => null),
      ],
    ],
    note:
      "−statistic: the statistic read reversed (expected to rise during fine-tuning; run as the statistic with the stage flipped). " +
      "Last row: a constant score — what the distance alone orients right.",
  };
  const cells = (pick: (s: SplitDirectionResults, label: string) => number | undefined): AccuracyCell[] =>
    results.splits.flatMap((s) => ranked.map((row) => ({ split: SPLIT_TITLES[s.split], root: row.label, ours: pick(s, row.label) ?? Number.NaN })));
  const accuracyCells = cells((s, label) => s.trees.find((t) => sourceLabel(t.candidate) === label)?.treesPooled);
  const agreementCells = cells((s, label) => s.agreement.find((a) => a.label === label)?.fraction);

  const stageRows: Cell[][] = results.splits.flatMap((s) =>
    s.stageAuto.map(({ candidate, result }) => {
      const known = s.trees.find((t) => sourceLabel(t.candidate) === candidate)?.treesPooled ?? null;
      const graphSpecialization = result.graph.picked.filter((p) => p === "specialization").length;
      return [
        SPLIT_TITLES[s.split],
        candidate,
        `${result.perTree.filter((t) => t.picked === "specialization").length}/${result.perTree.length}`,
        result.treesPooled,
        known,
        `${graphSpecialization}/${result.graph.picked.length}`,
        result.graph.accuracy,
      ];
    }),
  );
  const lambdas = [...new Set(results.splits.flatMap((s) => s.sweep.map((p) => p.lambda)))];
  const sweepRows: Cell[][] = results.splits.flatMap((s) => {
    // Labels may hold "|" (auto's pair), so key by a character no label holds.
    const keys = [...new Set(s.sweep.map((p) => `${p.candidate}\u0000${p.distanceLayers}`))];
    return keys.map((key) => {
      const [candidate, layers] = key.split("\u0000") as [string, string];
      return [
        SPLIT_TITLES[s.split],
        candidate,
        layers,
        ...lambdas.map((lambda) => s.sweep.find((p) => p.candidate === candidate && p.distanceLayers === layers && p.lambda === lambda)?.treesPooled ?? null),
      ];
    });
  });

  const best = ranked[0]!;
  const defaultRow = ranked.find((r) => r.label === results.defaultCandidate);
  const autoTotals = results.splits.flatMap((s) => s.stageAuto.filter((a) => a.candidate === results.defaultCandidate).flatMap((a) => a.result.perTree));
  const graphDefault = (s: SplitDirectionResults) => s.graph.find((g) => sourceLabel(g.candidate) === results.defaultCandidate)?.accuracy ?? null;
  return {
    slug: "direction-ablation",
    title: "Which directional score, over which layers? (§6.3 ablations, stage auto)",
    summary:
      `Most robust candidate across VTHR splits: ${best.label} (worst split ${best.worst.toFixed(2)}, mean ${best.mean.toFixed(2)}); ` +
      `default ${results.defaultCandidate}: worst ${defaultRow?.worst.toFixed(2) ?? "–"}. --stage auto picks specialization on ` +
      `${autoTotals.filter((t) => t.picked === "specialization").length}/${autoTotals.length} trees.`,
    description:
      "Each statistic (mean, variance, skewness, kurtosis, entropy) summed over each layer set (single layer types, attention, MLP, " +
      "dense = attention-output + MLP, all) is used as the directional score of MoTHer on the VTHR splits. " +
      "Direction agreement needs only the statistics; tree accuracy recovers each true tree with its cluster known (same distances " +
      "for every candidate, so differences are the direction prior's); the Model Graph is clustered with the tree count known. " +
      `Everything else is recovery's default (λ = ${results.defaultLambda}·mean(D), --distance auto). The last tables run --stage ` +
      `auto and a small λ × distance-layer sweep.`,
    figures: [
      {
        title: "Pooled per-tree accuracy per candidate and split",
        spec: accuracyHeatTable(accuracyCells, { title: "Tree accuracy (cluster known) by directional-score candidate" }),
        caption: "Rows ranked by the worst split. The paper uses kurtosis (Fig. 14) and reports the dense layer as the consistent one (Fig. 19).",
      },
      {
        title: "Direction agreement per candidate and split",
        spec: accuracyHeatTable(agreementCells, { title: "Direction agreement (fraction of true edges ordered right)" }),
        caption: "0.5 is a coin; near 0 is a consistent signal pointing the other way (usable only with the stage flipped).",
      },
    ],
    tables: [
      rankTable,
      ...results.splits.map(splitTable),
      {
        title: "--stage auto against the labelled truth (every VTHR model is specialization)",
        columns: [
          "split",
          "candidate",
          "trees auto calls specialization",
          "trees pooled (auto)",
          "trees pooled (stage given)",
          "graph trees called specialization",
          "Model Graph (auto)",
        ],
        rows: stageRows,
      },
      {
        title: "λ constant c × distance layers for the leading candidates (per-tree recovery, cluster known)",
        columns: ["split", "candidate", "distance layers", ...lambdas.map((c) => `c = ${c}`)],
        rows: sweepRows,
        note:
          "Pooled tree accuracy at λ = c·mean(D). c = 0 ignores direction (the MDST orients edges arbitrarily), so it is the " +
          "distance-only baseline. On LoRA splits --distance auto uses ℓ_LoRA on the LoRA layers, so the distance-layer choice matters " +
          "only where it falls back to ℓ_FT.",
      },
    ],
    paperComparison: {
      source: "§6.3, Fig. 14, Fig. 19, Table 1",
      rows: [
        {
          quantity: "best candidate (worst split, pooled tree accuracy)",
          ours: `${best.label} ${best.worst.toFixed(3)}`,
          paper: "kurtosis (Fig. 14), dense layers (Fig. 19)",
        },
        { quantity: `current default ${results.defaultCandidate}: worst split`, ours: defaultRow?.worst ?? null, paper: null },
        ...results.splits.map((s) => ({
          quantity: `${SPLIT_TITLES[s.split]} Model Graph, default candidate`,
          ours: graphDefault(s),
          paper: PAPER_TABLE_1[s.split].graph,
        })),
        {
          quantity: "--stage auto picks specialization (trees)",
          ours: `${autoTotals.filter((t) => t.picked === "specialization").length}/${autoTotals.length}`,
          paper: "– (stage assumed known, §7)",
        },
      ],
    },
  };
}
