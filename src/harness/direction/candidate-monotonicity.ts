/**
 * Monotonicity of every directional-score candidate over every traced run (Fig. 3/14/19 as
 * numbers): per run, Spearman ρ of the candidate's score against the step; per candidate,
 * a summary against the sign the run's stage predicts. A reversed candidate (sign −1) has its
 * ρ negated, so for every candidate "falls in fine-tuning" reads as −ρ = 1.
 */
import type { Stage } from "../../types.ts";
import type { ScoreCandidate } from "./layer-sets.ts";
import { monotonicity, summariseMonotonicity, type MonotonicitySummary } from "./monotonicity.ts";
import { scoreTrajectory, type StatsSnapshot } from "./score-trajectory.ts";

/** A run with its recorded statistics. */
export interface TracedRun {
  readonly id: string;
  /** The VTHR root it starts from (fine-tunes) or re-trains (pre-training). */
  readonly root: string;
  /** The stage its training is: generalization (pre-training) or specialization (fine-tuning). */
  readonly stage: Stage;
  readonly snapshots: readonly StatsSnapshot[];
}

/** The score direction a stage predicts (paper §4.2): rising for generalization, falling for specialization. */
export function expectedSign(stage: Stage): 1 | -1 {
  return stage === "generalization" ? 1 : -1;
}

/** ρ of one candidate on each run, and the summary against each run's predicted sign. */
export interface CandidateMonotonicity {
  readonly candidate: ScoreCandidate;
  readonly perRun: readonly { id: string; root: string; stage: Stage; rho: number }[];
  /** Over all runs, each against its own stage's sign. */
  readonly summary: MonotonicitySummary;
}

/** Monotonicity of each candidate on each run (runs must all share one stage for a meaningful summary, or mix knowingly). */
export function candidateMonotonicity(runs: readonly TracedRun[], candidates: readonly ScoreCandidate[]): CandidateMonotonicity[] {
  return candidates.map((candidate) => {
    const perRun = runs.map((run) => ({
      id: run.id,
      root: run.root,
      stage: run.stage,
      rho: (candidate.sign ?? 1) * monotonicity(scoreTrajectory(run.snapshots, candidate.score, candidate.layers.kinds)),
    }));
    // Put every run on the "predicted direction = +" scale, then summarise with sign +1.
    const summary = summariseMonotonicity(
      perRun.map((r) => r.rho * expectedSign(r.stage)),
      1,
    );
    return { candidate, perRun, summary };
  });
}
