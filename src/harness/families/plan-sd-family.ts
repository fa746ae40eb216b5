/**
 * The Stable-Diffusion-like family as a plan (paper Fig. 8): the VTHR MAE root renamed
 * sd-v1-1, then each continuation resumes its parent with the same masked-patch objective on
 * its own re-filtered mixture and fresh images. Pure: same settings ⇒ same cached models.
 */
import { deriveSeed } from "../../../datasets/index.ts";
import type { TrainConfig } from "../../train/train-config.ts";
import { planVthr } from "../vthr/plan-vthr.ts";
import type { FamilyMember } from "./family-member.ts";
import type { SdContinuationRecipe, SdFamilySettings } from "./sd-family-settings.ts";
import { sdFamilyRootNotGenerative, sdFamilyUnknownRoot } from "../../messages.ts";

/** Id of the chain's first release. */
export const SD_ROOT_ID = "sd-v1-1";

/** Every member with its full training config, parents before children. Stage: generalization (paper §6.2). */
export function planSdFamily(settings: SdFamilySettings): FamilyMember[] {
  const vthrRoot = planVthr({ ...settings.vthr, splits: [] }).roots.find((root) => root.id === settings.rootName);
  if (!vthrRoot)
    throw sdFamilyUnknownRoot(
      settings.rootName,
      settings.vthr.roots.map((r) => r.name),
    );
  if (vthrRoot.config.objective.kind !== "vit-masked-patches") {
    throw sdFamilyRootNotGenerative(settings.rootName, vthrRoot.config.objective.kind);
  }
  const rootObjective = vthrRoot.config.objective;
  const root: FamilyMember = {
    id: SD_ROOT_ID,
    paperName: "SD v1.1",
    stage: "generalization",
    data:
      `"laion2B-en": masked patches on all ${settings.vthr.roots.find((r) => r.name === settings.rootName)!.tasks.length} tasks from ` +
      `scratch, ${vthrRoot.config.steps} steps (the VTHR ${settings.rootName} root)`,
    config: vthrRoot.config,
  };
  const continuation = (recipe: SdContinuationRecipe): FamilyMember => {
    const seed = deriveSeed(settings.seed, recipe.id);
    const config: TrainConfig = {
      objective: { ...rootObjective, maskRatio: recipe.maskRatio },
      data: { kind: "image-mixture", tasks: recipe.tasks, seed: deriveSeed(seed, "data"), trainCount: settings.trainCount, evalCount: settings.evalCount },
      seed,
      steps: recipe.steps,
      batchSize: settings.batchSize,
      optimizer: settings.optimizer,
      lr: recipe.lr,
      lrFloor: recipe.lr,
      warmupSteps: recipe.warmupSteps,
    };
    return {
      id: recipe.id,
      paperName: recipe.paperName,
      parent: recipe.parent,
      stage: "generalization",
      data: `"${recipe.stands}": masked patches on ${recipe.tasks.length} tasks, resumed for ${recipe.steps} steps at constant lr ${recipe.lr}`,
      config,
    };
  };
  return [root, ...settings.continuations.map(continuation)];
}
