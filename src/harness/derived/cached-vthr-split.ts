/**
 * One VTHR split exactly as `loadVthr` would open it, but only if every model is already in
 * the artefact cache: an analysis of existing models must never start hours of training.
 * The cache keys are rebuilt the way train-planned.ts makes them (kind "model", config +
 * dtype F32 + trainer version, chained through the parent's key).
 */
import { existsSync } from "node:fs";
import { ArtifactStore } from "../artifact-store.ts";
import { MODEL_ARTIFACT_KIND, TRAINER_VERSION } from "../train-planned.ts";
import type { OpenedSplit } from "../ablation/load-vthr.ts";
import { planVthr, splitTruth, type PlannedModel } from "../vthr/plan-vthr.ts";
import { openModels } from "../vthr/recover-vthr.ts";
import type { SplitName, VthrSettings } from "../vthr/vthr-settings.ts";

/** The opened split, or how many of its models are missing from `cache`. */
export async function cachedVthrSplit(settings: VthrSettings, split: SplitName, cache: string): Promise<OpenedSplit | { missing: number; total: number }> {
  const plan = planVthr(settings);
  const store = new ArtifactStore(cache, { log: () => {}, now: () => 0 });
  const planned = new Map<string, PlannedModel>([...plan.roots, ...(plan.splits.get(split) ?? [])].map((m) => [m.id, m]));
  const located = new Map<string, { key: string; path: string }>();
  const locate = (id: string): { key: string; path: string } => {
    const known = located.get(id);
    if (known) return known;
    const model = planned.get(id)!;
    const parent = model.parent === undefined ? undefined : locate(model.parent).key;
    const found = store.locate(MODEL_ARTIFACT_KIND, { config: model.config, dtype: "F32", trainer: TRAINER_VERSION }, parent === undefined ? {} : { parent });
    located.set(id, found);
    return found;
  };
  const truth = splitTruth(plan, split);
  const paths = new Map(truth.models.map((m) => [m.id, locate(m.id).path]));
  const missing = [...paths.values()].filter((path) => !existsSync(`${path}/model.safetensors`)).length;
  if (missing > 0) return { missing, total: paths.size };
  return { truth, models: await openModels(paths) };
}
