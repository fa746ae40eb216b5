/**
 * The VTHR models an ablation starts from, exactly as `experiments/vthr.ts` trains them:
 *
 *   1. plan     the same settings ⇒ the same plan ⇒ the same cache keys
 *   2. train    trainPlanned returns cached models instantly and trains only what is missing
 *   3. open     per split: the truth and the checkpoints under their readable ids
 *
 * `extra` models (e.g. same-recipe seed siblings) are trained in the same call, so an
 * experiment that adds models trains only those.
 */
import { ArtifactStore, type Artifact } from "../artifact-store.ts";
import type { Progress } from "../../ui/progress.ts";
import { trainPlanned, type TrainableModel } from "../train-planned.ts";
import { planVthr, splitTruth, type VthrPlan } from "../vthr/plan-vthr.ts";
import { openModels } from "../vthr/recover-vthr.ts";
import type { SplitName, VthrSettings } from "../vthr/vthr-settings.ts";
import type { ModelSource, TruthGraph } from "../../types.ts";

/** One split ready for recovery: every model of its truth, opened. */
export interface OpenedSplit {
  readonly truth: TruthGraph;
  readonly models: readonly ModelSource[];
}

export interface LoadedVthr {
  readonly plan: VthrPlan;
  /** Every trained model (VTHR and extra), by id. */
  readonly artifacts: ReadonlyMap<string, Artifact>;
  /** Opens one split of the plan (roots included). */
  openSplit(split: SplitName): Promise<OpenedSplit>;
}

export interface LoadVthrOptions {
  readonly cache: string;
  readonly progress: Progress;
  /** Models trained beyond the VTHR plan; their parents may be VTHR models. */
  readonly extra?: readonly TrainableModel[];
  readonly label?: string;
}

/** Plans, trains (or finds) and opens the VTHR models of `settings`. */
export async function loadVthr(settings: VthrSettings, options: LoadVthrOptions): Promise<LoadedVthr> {
  const plan = planVthr(settings);
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });
  const planned: TrainableModel[] = [...plan.roots, ...[...plan.splits.values()].flat(), ...(options.extra ?? [])];
  const artifacts = await trainPlanned(planned, { store, progress: options.progress, workers: settings.workers, label: options.label ?? "train VTHR models" });
  return {
    plan,
    artifacts,
    async openSplit(split) {
      const truth = splitTruth(plan, split);
      return {
        truth,
        models: await openArtifacts(
          truth.models.map((m) => m.id),
          artifacts,
        ),
      };
    },
  };
}

/** Opens trained models by id (order kept). */
export function openArtifacts(ids: readonly string[], artifacts: ReadonlyMap<string, Artifact>): Promise<ModelSource[]> {
  return openModels(new Map(ids.map((id) => [id, artifacts.get(id)!.path])));
}
