/**
 * A directional score over training, from the per-layer statistics the trainer recorded at
 * each snapshot (runTrainJob's `snapshots`, train-config `snapshotEvery`). The score at a
 * step is the statistic summed over the snapshot's tensors of the chosen layer kinds — the
 * same sum `directionalScore` forms from a saved checkpoint.
 */
import { classifyLayer } from "../../layers/classify-layer.ts";
import { directionalScore } from "../../stats/layer-stats.ts";
import type { LayerKind, LayerStats, ScoreName } from "../../types.ts";
import type { TrajectoryPoint } from "./monotonicity.ts";

/** One snapshot as runTrainJob returns it: the step and stats per tensor name. */
export interface StatsSnapshot {
  readonly step: number;
  readonly stats: Readonly<Record<string, LayerStats>>;
}

/**
 * Snapshots record 2-D tensors only; `classifyLayer` needs the shape just to tell Meta's
 * bare `output.weight` head from other names, so any 2-D shape serves.
 */
const MATRIX_SHAPE = [1, 1] as const;

/** Whether tensor `name` is a weight matrix of one of `kinds` (biases never are; selectLayers agrees). */
export function isScoredTensor(name: string, kinds: readonly LayerKind[]): boolean {
  return !/bias$/.test(name) && kinds.includes(classifyLayer(name, MATRIX_SHAPE));
}

/** The score at every snapshot, in step order; throws when no tensor of `kinds` was recorded. */
export function scoreTrajectory(snapshots: readonly StatsSnapshot[], score: ScoreName, kinds: readonly LayerKind[]): TrajectoryPoint[] {
  return [...snapshots]
    .sort((a, b) => a.step - b.step)
    .map((snapshot) => {
      const stats = Object.entries(snapshot.stats)
        .filter(([name]) => isScoredTensor(name, kinds))
        .map(([, layer]) => layer);
      return { step: snapshot.step, value: directionalScore(stats, score) };
    });
}
