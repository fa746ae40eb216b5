/**
 * How monotone a statistic is over training (paper Fig. 3/14/19: "the kurtosis is the only
 * metric that remained consistently (almost) monotonic"), as a number: Spearman's ρ of the
 * value against the step. ρ = +1 rises at every step, −1 falls at every step; ties (a frozen
 * layer) give NaN, which counts as not monotone.
 */
import { spearmanCorrelation } from "../../stats/correlation.ts";

/** A point of a trajectory. */
export interface TrajectoryPoint {
  readonly step: number;
  readonly value: number;
}

/** Spearman ρ of value vs step; NaN for fewer than two points or a constant value. */
export function monotonicity(points: readonly TrajectoryPoint[]): number {
  if (points.length < 2) return Number.NaN;
  return spearmanCorrelation(
    points.map((p) => p.step),
    points.map((p) => p.value),
  );
}

/**
 * |ρ| at or above this counts as "(almost) monotone": at 13 snapshots, ρ = 0.8 allows a
 * couple of adjacent swaps but not a turn-around (a rise-then-fall scores near 0).
 */
export const MONOTONE_RHO = 0.8;

/** Summary of many runs' ρ against the sign the stage predicts (−1 specialization, +1 generalization). */
export interface MonotonicitySummary {
  readonly runs: number;
  /** Mean of ρ · expectedSign (1 = every run perfectly monotone the predicted way). */
  readonly meanSignedRho: number;
  /** The worst run's ρ · expectedSign. */
  readonly worstSignedRho: number;
  /** Fraction of runs with ρ · expectedSign ≥ MONOTONE_RHO (NaN counts as a miss). */
  readonly fractionMonotone: number;
}

/** Summarises ρ of several runs (NaN ρ counts as 0 in the mean and worst). */
export function summariseMonotonicity(rhos: readonly number[], expectedSign: 1 | -1, threshold = MONOTONE_RHO): MonotonicitySummary {
  const signed = rhos.map((rho) => (Number.isNaN(rho) ? 0 : rho * expectedSign));
  const runs = signed.length;
  if (runs === 0) return { runs, meanSignedRho: Number.NaN, worstSignedRho: Number.NaN, fractionMonotone: Number.NaN };
  return {
    runs,
    meanSignedRho: signed.reduce((a, b) => a + b, 0) / runs,
    worstSignedRho: Math.min(...signed),
    fractionMonotone: signed.filter((s) => s >= threshold).length / runs,
  };
}

/**
 * The paper's "consistently (almost) monotonic" as a verdict: +1 when every run rises with
 * ρ ≥ threshold, −1 when every run falls with ρ ≤ −threshold, 0 otherwise (mixed directions,
 * a weak run, a NaN, or no runs).
 */
export function consistentDirection(rhos: readonly number[], threshold = MONOTONE_RHO): -1 | 0 | 1 {
  if (rhos.length === 0) return 0;
  if (rhos.every((rho) => rho >= threshold)) return 1;
  if (rhos.every((rho) => rho <= -threshold)) return -1;
  return 0;
}
