/**
 * Trains planned models like `trainPlanned`, but keeps what the trainer recorded along the
 * way: each artefact folder also holds `snapshots.json` (per-layer statistics every
 * `config.snapshotEvery` steps, step 0 and the end), the raw material of Fig. 3/14/19.
 *
 *   1. a model starts once its parent exists — in this plan, or among `existing` artefacts
 *      (e.g. the VTHR roots trainPlanned already made)
 *   2. the pool trains it (checkpoint + snapshots); a cached one is read back instead
 *
 * Its own artefact kind, so a traced run is never confused with an untraced checkpoint of
 * the same config (which has no snapshots.json).
 */
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { TRAIN_JOB_MODULE, type TrainJobInput, type TrainJobOutput } from "../../train/train-job.ts";
import { WorkerPool } from "../../train/worker-pool.ts";
import type { Artifact, ArtifactStore } from "../artifact-store.ts";
import type { Progress } from "../progress.ts";
import { TRAINER_VERSION, type TrainableModel, type TrainSummary } from "../train-planned.ts";
import type { StatsSnapshot } from "./score-trajectory.ts";

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
  const byId = new Map(models.map((m) => [m.id, m]));
  const task = options.progress.start(`${options.label ?? "train traced"} (${models.length} models, steps)`, models.reduce((sum, m) => sum + m.config.steps, 0));
  const pool = new WorkerPool({ size: options.workers });
  const traced = new Map<string, Promise<TracedModel>>();

  const parentArtifact = async (id: string): Promise<Artifact> => {
    const existing = options.existing?.get(id);
    if (existing) return existing;
    if (!byId.has(id)) throw new Error(`train-traced: parent ${id} is neither planned nor given`);
    return (await tracedOf(id)).artifact;
  };
  const tracedOf = (id: string): Promise<TracedModel> => {
    const known = traced.get(id);
    if (known) return known;
    const model = byId.get(id)!;
    if (!model.config.snapshotEvery) throw new Error(`train-traced: ${id} records no snapshots (set config.snapshotEvery)`);
    const work = (async () => {
      const parent = model.parent ? await parentArtifact(model.parent) : undefined;
      const artifact = await options.store.get(
        TRACED_MODEL_KIND,
        { config: model.config, dtype: "F32", trainer: TRAINER_VERSION },
        async (folder) => {
          const input: TrainJobInput = { config: { ...model.config, ...(parent ? { parent: parent.path } : {}) }, outputFolder: folder };
          const output = await pool.run<TrainJobInput, TrainJobOutput>({ module: TRAIN_JOB_MODULE, exportName: "runTrainJob", input });
          const summary: TrainSummary = { finalLoss: output.losses.at(-1) ?? Number.NaN, evals: output.evals, msPerStep: output.msPerStep };
          await Bun.write(join(folder, "result.json"), JSON.stringify(summary));
          await Bun.write(join(folder, "snapshots.json"), JSON.stringify(output.snapshots));
        },
        { ...(parent ? { parent } : {}), label: id },
      );
      if (artifact.cached) task.cached(model.config.steps);
      else task.advance(model.config.steps);
      const [snapshots, summary] = await Promise.all(["snapshots.json", "result.json"].map(async (file) => JSON.parse(await readFile(join(artifact.path, file), "utf8"))));
      return { artifact, snapshots: snapshots as StatsSnapshot[], summary: summary as TrainSummary };
    })();
    traced.set(id, work);
    return work;
  };

  try {
    const settled = await Promise.allSettled(models.map((m) => tracedOf(m.id)));
    const failure = settled.find((s) => s.status === "rejected");
    if (failure) throw (failure as PromiseRejectedResult).reason;
    return new Map(models.map((m, i) => [m.id, (settled[i] as PromiseFulfilledResult<TracedModel>).value]));
  } finally {
    task.finish();
    await pool.close();
  }
}

/** Mean final training loss and mean last eval accuracy (NaN when no run reports one) of traced runs. */
export function summariseTraining(runs: readonly TracedModel[]): { meanFinalLoss: number; meanEvalAccuracy: number } {
  const mean = (values: readonly number[]) => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
  const accuracies = runs.map((run) => run.summary.evals.at(-1)?.accuracy).filter((a): a is number => a !== undefined);
  return { meanFinalLoss: mean(runs.map((run) => run.summary.finalLoss)), meanEvalAccuracy: mean(accuracies) };
}
