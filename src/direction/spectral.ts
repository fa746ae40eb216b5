/**
 * Spectral rules (spectral-stats.ts): the log stable rank, log effective rank and ESD tail
 * exponent α of each score layer, summed (a log, so every layer counts by its relative change,
 * whatever its shape). Scale-free, so weight decay alone does not move them; taken to fall along
 * any lineage (training concentrates a layer's spectrum) — a hypothesis the leaderboard tests.
 * Recovery's layer pass does not compute spectra, so these run on the leaderboard only (`needs`).
 */
import type { StatisticRule } from "./statistic-rule.ts";

const SPECTRAL: Pick<StatisticRule, "layers" | "scoreName" | "trend" | "anyStage" | "combine" | "needs"> = {
  layers: "score",
  scoreName: undefined,
  trend: -1,
  anyStage: true,
  combine: "sum",
  needs: "spectrum",
};

/** Σ log stable rank ‖W‖_F² / ‖W‖₂² over the score layers; expected to fall at any stage. */
export const STABLE_RANK: StatisticRule = {
  ...SPECTRAL,
  name: "stable-rank",
  summary: "Σ log stable rank ‖W‖_F²/‖W‖₂² over the score layers; scale-free, expected to fall along any lineage",
  statistic: (layer) => Math.log(layer.stableRank ?? Number.NaN),
};

/** Σ log effective rank (Roy & Vetterli) over the score layers; expected to fall at any stage. */
export const EFFECTIVE_RANK: StatisticRule = {
  ...SPECTRAL,
  name: "effective-rank",
  summary: "Σ log effective rank exp(H(σ/Σσ)) over the score layers; scale-free, expected to fall along any lineage",
  statistic: (layer) => Math.log(layer.effectiveRank ?? Number.NaN),
};

/** Σ ESD power-law exponent α (Martin & Mahoney) over the score layers; expected to fall as layers learn. */
export const ESD_ALPHA: StatisticRule = {
  ...SPECTRAL,
  name: "esd-alpha",
  summary: "Σ power-law exponent α of the eigenvalue tail over the score layers (Martin & Mahoney); expected to fall along any lineage",
  statistic: (layer) => layer.alpha ?? Number.NaN,
};
