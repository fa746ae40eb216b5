/**
 * Planned models trained with the trainer's per-layer statistics kept (trainPlanned with
 * `snapshots`): each artefact folder also holds snapshots.json, the raw material of
 * Fig. 3/14/19. Its own artefact kind, so a traced run is never confused with an untraced
 * checkpoint of the same config.
 */
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import type { Artifact, ArtifactStore } from "../artifact-store.ts";
import type { Progress } from "../../ui/progress.ts";
import { trainPlanned, type TrainableModel, type TrainSummary } from "../train-planned.ts";
import type { StatsSnapshot } from "./score-trajectory.ts";
import { bug } from "../../errors.ts";

/** Artefact kind of a model trained with snapshots. */
export const TRACED_MODEL_KIND = "traced-model";

/** A trained model and its recorded statistics. */
export interface TracedModel {
  readonly artifact: Artifact;
  readonly snapshots: readonly StatsSnapshot[];
  readonly summary: TrainSummary;
}

export interface TrainTracedOptions {
  readonly store: ArtifactStore;
  readonly progress: Progress;
  readonly workers: number;
  /** Parents trained elsewhere, by id. */
  readonly existing?: ReadonlyMap<string, Artifact>;
  readonly label?: string;
}

/** Trains (or finds) every model with snapshots; every model needs `config.snapshotEvery`. */
export async function trainTraced(models: readonly TrainableModel[], options: TrainTracedOptions): Promise<Map<string, TracedModel>> {
  for (const model of models) {
    if (!model.config.snapshotEvery) bug(`train-traced: ${model.id} records no snapshots (set config.snapshotEvery)`);
  }
  const artifacts = await trainPlanned(models, { ...options, label: options.label ?? "train traced", kind: TRACED_MODEL_KIND, snapshots: true });
  const read = async (artifact: Artifact, file: string) => JSON.parse(await readFile(join(artifact.path, file), "utf8"));
  const traced = await Promise.all(
    models.map(async (model): Promise<[string, TracedModel]> => {
      const artifact = artifacts.get(model.id)!;
      return [model.id, { artifact, snapshots: await read(artifact, "snapshots.json"), summary: await read(artifact, "result.json") }];
    }),
  );
  return new Map(traced);
}

/** Mean final training loss and mean last eval accuracy (NaN when no run reports one) of traced runs. */
export function summariseTraining(runs: readonly TracedModel[]): { meanFinalLoss: number; meanEvalAccuracy: number } {
  const mean = (values: readonly number[]) => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
  const accuracies = runs.map((run) => run.summary.evals.at(-1)?.accuracy).filter((a): a is number => a !== undefined);
  return { meanFinalLoss: mean(runs.map((run) => run.summary.finalLoss)), meanEvalAccuracy: mean(accuracies) };
}
