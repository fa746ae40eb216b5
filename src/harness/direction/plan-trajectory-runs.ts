/**
 * The runs behind Fig. 3/14/19, planned from the VTHR settings so they share its roots:
 *
 *   - pre-training: each root recipe again from random init (steps × `pretrainFraction`),
 *     with snapshots — the generalization stage, where the paper's score rises;
 *   - fine-tuning: `fineTunesPerRoot` full fine-tunes from each VTHR root (the cached roots
 *     trainPlanned made), with the VTHR fine-tune recipe — the specialization stage.
 *
 * Pure: the same settings give the same configs, hence the same cache keys.
 */
import type { TrainConfig } from "../../train/train-config.ts";
import { planVthr, type PlannedModel } from "../vthr/plan-vthr.ts";
import type { VthrSettings } from "../vthr/vthr-settings.ts";

/** What the trajectory experiment trains beyond the VTHR roots. */
export interface TrajectorySettings {
  /** Fraction of each root recipe's steps the fresh pre-training runs take (cosine schedule rescaled). */
  readonly pretrainFraction: number;
  /** Snapshots per run (the step interval is steps / this, at least 1). */
  readonly snapshotsPerRun: number;
  /** Full fine-tunes from each root (different random tasks and seeds). */
  readonly fineTunesPerRoot: number;
}

/** The planned runs: pre-training (no parent) and fine-tunes (parent = a VTHR root id). */
export interface TrajectoryPlan {
  readonly vthrRoots: readonly PlannedModel[];
  readonly pretraining: readonly PlannedModel[];
  readonly fineTuning: readonly PlannedModel[];
}

/** `config` recording `snapshotsPerRun` evenly spaced snapshots. */
export function withSnapshots(config: TrainConfig, snapshotsPerRun: number): TrainConfig {
  return { ...config, snapshotEvery: Math.max(1, Math.round(config.steps / snapshotsPerRun)) };
}

/** Plans the traced runs; `vthrRoots` are the VTHR plan's roots (train them with trainPlanned to reuse the cache). */
export function planTrajectoryRuns(vthr: VthrSettings, settings: TrajectorySettings): TrajectoryPlan {
  const { roots } = planVthr(vthr);
  const pretraining = roots.map((root) => {
    const steps = Math.max(1, Math.round(root.config.steps * settings.pretrainFraction));
    const config: TrainConfig = { ...root.config, steps, warmupSteps: Math.min(root.config.warmupSteps, Math.floor(steps / 4)) };
    return { ...root, id: `pretrain.${root.id}`, config: withSnapshots(config, settings.snapshotsPerRun) };
  });
  const fineTunePlan = planVthr({ ...vthr, splits: ["ft"], children: settings.fineTunesPerRoot, grandchildren: 0 });
  const fineTuning = (fineTunePlan.splits.get("ft") ?? []).map((model) => ({ ...model, config: withSnapshots(model.config, settings.snapshotsPerRun) }));
  return { vthrRoots: roots, pretraining, fineTuning };
}
