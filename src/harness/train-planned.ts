/**
 * Trains a planned family of models (any DAG of parent → child fine-tunes) into the
 * artefact store, across a worker pool:
 *
 *   1. count what is already cached (a resumed run says so up front)
 *   2. start every model as soon as its parent exists; the pool runs two at a time
 *   3. each model is one artefact folder keyed by (its config, its parent's key):
 *      model.safetensors + config.json + training.json + result.json (losses, evals),
 *      and with `snapshots`, snapshots.json (per-layer statistics every
 *      `config.snapshotEvery` steps: the raw material of Fig. 3/14/19)
 *
 * An interrupted run leaves only whole artefacts behind, so rerunning resumes where it
 * stopped and retrains nothing that exists.
 */
import { join } from "node:path";
import type { TrainConfig } from "../train/train-config.ts";
import { TRAIN_JOB_MODULE, type TrainJobInput, type TrainJobOutput } from "./train-job.ts";
import { WorkerPool } from "../train/worker-pool.ts";
import type { Artifact, ArtifactStore } from "./artifact-store.ts";
import type { Progress } from "../ui/progress.ts";
import { BugError } from "../errors.ts";

/** What train-planned needs of a planned model. */
export interface TrainableModel {
  readonly id: string;
  readonly parent?: string;
  readonly config: TrainConfig;
}

/** What `result.json` in every model artefact holds. */
export interface TrainSummary {
  readonly finalLoss: number;
  readonly evals: TrainJobOutput["evals"];
  readonly msPerStep: number;
}

export interface TrainPlannedOptions {
  readonly store: ArtifactStore;
  readonly progress: Progress;
  readonly workers: number;
  /** Label of the progress line. */
  readonly label?: string;
  readonly dtype?: "F32" | "BF16";
  /** Artefact kind (default MODEL_ARTIFACT_KIND); a different kind never shares cache entries. */
  readonly kind?: string;
  /** Also store the trainer's per-layer statistics snapshots as snapshots.json. */
  readonly snapshots?: boolean;
  /** Parents trained elsewhere (e.g. by another trainPlanned call), by id. */
  readonly existing?: ReadonlyMap<string, Artifact>;
}

/** Artefact kind of a trained model; part of every model's cache key. */
export const MODEL_ARTIFACT_KIND = "model";

/**
 * Bump when the training engine changes what a config produces (graph, init, data), so
 * cached models from the old engine are never mistaken for new ones. 2: the heads apply the
 * final LayerNorm to the rows they read (7f7f3fd) — the same function, but other float
 * rounding, which Adam amplifies into different weights. 3: PORTABLE_SOFTMAX
 * (src/train/train-model.ts): Softmax/LogSoftmax from primitives, the same bits on every
 * x86-64 CPU with AVX2 and FMA (docs/reproducibility.md).
 */
export const TRAINER_VERSION = 3;

/** Trains (or finds) every model; returns id → artefact. Parents must be in `models` too. */
export async function trainPlanned(models: readonly TrainableModel[], options: TrainPlannedOptions): Promise<Map<string, Artifact>> {
  const byId = new Map(models.map((m) => [m.id, m]));
  // Progress counts training steps, not models: a root's pre-training is many fine-tunes long,
  // and a model count would make the ETA swing by hours while the roots train.
  const totalSteps = models.reduce((sum, m) => sum + m.config.steps, 0);
  const task = options.progress.start(`${options.label ?? "train"} (${models.length} models, steps)`, totalSteps);
  const pool = new WorkerPool({ size: options.workers });
  const artifacts = new Map<string, Promise<Artifact>>();
  const dtype = options.dtype ?? "F32";

  const artifactOf = (id: string): Promise<Artifact> => {
    const given = options.existing?.get(id);
    if (given) return Promise.resolve(given);
    const known = artifacts.get(id);
    if (known) return known;
    const model = byId.get(id);
    if (!model) return Promise.reject(new BugError(`train-planned: parent ${id} is neither planned nor given`));
    const work = (async () => {
      const parent = model.parent ? await artifactOf(model.parent) : undefined;
      const artifact = await options.store.get(
        options.kind ?? MODEL_ARTIFACT_KIND,
        { config: model.config, dtype, trainer: TRAINER_VERSION },
        async (folder) => {
          const input: TrainJobInput = { config: { ...model.config, ...(parent ? { parent: parent.path } : {}) }, outputFolder: folder, dtype };
          const output = await pool.run<TrainJobInput, TrainJobOutput>({ module: TRAIN_JOB_MODULE, exportName: "runTrainJob", input });
          const summary: TrainSummary = { finalLoss: output.losses.at(-1) ?? Number.NaN, evals: output.evals, msPerStep: output.msPerStep };
          await Bun.write(join(folder, "result.json"), JSON.stringify(summary));
          if (options.snapshots) await Bun.write(join(folder, "snapshots.json"), JSON.stringify(output.snapshots));
        },
        { ...(parent ? { parent } : {}), label: id },
      );
      if (artifact.cached) task.cached(model.config.steps);
      else task.advance(model.config.steps);
      return artifact;
    })();
    artifacts.set(id, work);
    return work;
  };

  try {
    // Roots first in submission order, so the pool starts on them before any child waits.
    const settled = await Promise.allSettled(models.map((m) => artifactOf(m.id)));
    const failure = settled.find((s) => s.status === "rejected");
    if (failure) throw (failure as PromiseRejectedResult).reason;
    return new Map(models.map((m, i) => [m.id, (settled[i] as PromiseFulfilledResult<Artifact>).value]));
  } finally {
    task.finish();
    await pool.close();
  }
}
