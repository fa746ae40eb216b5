/**
 * The VTHR Model Graphs as a plan: every model with its full training config and its
 * parent, before anything is trained. A pure function of the settings, so the same
 * settings always name the same models (and so the same cache keys).
 *
 *   roots (shared by all splits)
 *     └─ per split, per root: `children` fine-tunes on random tasks
 *          └─ per child: `grandchildren` fine-tunes on random tasks ≠ the child's task
 */
import { deriveSeed, Rng, taskByName } from "../../../datasets/index.ts";
import { DEFAULT_LORA_TARGETS, type LoraConfig } from "../../models/lora.ts";
import type { TrainConfig } from "../../train/train-config.ts";
import type { TruthGraph } from "../../types.ts";
import type { RootRecipe, SplitName, VthrSettings } from "./vthr-settings.ts";

/** One model of the plan. */
export interface PlannedModel {
  /** Readable id, unique across the experiment: `sup-all`, `ft.sup-all.c1`, `ft.sup-all.c1.g3`. */
  readonly id: string;
  /** Undefined for roots (shared by every split). */
  readonly split?: SplitName;
  /** Id of the tree's root. */
  readonly tree: string;
  readonly parent?: string;
  /** Fine-tune task (undefined for roots). */
  readonly task?: string;
  /** Training config without the parent path (the parent is keyed separately). */
  readonly config: TrainConfig;
}

export interface VthrPlan {
  readonly roots: readonly PlannedModel[];
  readonly splits: ReadonlyMap<SplitName, readonly PlannedModel[]>;
}

/** Plans every model of every split. */
export function planVthr(settings: VthrSettings): VthrPlan {
  const roots = settings.roots.map((recipe) => planRoot(recipe, settings));
  const splits = new Map<SplitName, PlannedModel[]>();
  for (const split of settings.splits) {
    const models: PlannedModel[] = [];
    for (const root of roots) {
      const rng = new Rng(deriveSeed(settings.seed, split, root.id));
      for (let c = 0; c < settings.children; c++) {
        const child = planFineTune(`${split}.${root.id}.c${c}`, split, root, undefined, rng, settings);
        models.push(child);
        for (let g = 0; g < settings.grandchildren; g++) {
          models.push(planFineTune(`${child.id}.g${g}`, split, root, child, rng, settings));
        }
      }
    }
    splits.set(split, models);
  }
  return { roots, splits };
}

/** The ground truth of one split's Model Graph (roots included), in `mother evaluate` format. */
export function splitTruth(plan: VthrPlan, split: SplitName): TruthGraph {
  const models = [...plan.roots, ...(plan.splits.get(split) ?? [])];
  return {
    models: models.map((m) => ({ id: m.id, stage: "specialization" as const, tree: m.tree })),
    edges: models.filter((m) => m.parent !== undefined).map((m) => ({ parent: m.parent!, child: m.id })),
  };
}

function planRoot(recipe: RootRecipe, settings: VthrSettings): PlannedModel {
  const { pretrain } = settings;
  const data = { kind: "image-mixture" as const, tasks: recipe.tasks, seed: recipe.seed, trainCount: pretrain.trainCount, evalCount: pretrain.evalCount };
  const numClasses = recipe.tasks.reduce((sum, name) => sum + taskByName(name).numClasses, 0);
  const objective =
    recipe.objective === "supervised"
      ? { kind: "vit-classification" as const, vit: { ...settings.vit, numClasses } }
      : { kind: "vit-masked-patches" as const, vit: { ...settings.vit, numClasses: 0 }, maskRatio: recipe.maskRatio ?? 0.75 };
  const config: TrainConfig = {
    objective,
    data,
    seed: recipe.seed,
    steps: recipe.steps,
    batchSize: pretrain.batchSize,
    optimizer: pretrain.optimizer,
    lr: recipe.lr,
    warmupSteps: pretrain.warmupSteps,
  };
  return { id: recipe.name, tree: recipe.name, config };
}

function planFineTune(id: string, split: SplitName, root: PlannedModel, parent: PlannedModel | undefined, rng: Rng, settings: VthrSettings): PlannedModel {
  const { fineTune } = settings;
  const parentTask = parent?.task;
  const task = rng.choice(settings.tasks.filter((name) => name !== parentTask));
  const seed = deriveSeed(settings.seed, id);
  const jitter = rng.choice(fineTune.lrJitter);
  const lora =
    split === "ft"
      ? undefined
      : (() => {
          const rank = split === "lora-f" ? settings.loraFixedRank : rng.choice(settings.loraRanks);
          return { rank, alpha: rank, targets: DEFAULT_LORA_TARGETS };
        })();
  const config = vthrFineTuneConfig(settings, task, seed, (lora ? fineTune.loraLr : fineTune.lr) * jitter, lora);
  return { id, split, tree: root.id, parent: (parent ?? root).id, task, config };
}

/** The training config of a fine-tune in VTHR's recipe (ViT classification on `task`), as the zoo's own fine-tunes use it too. */
export function vthrFineTuneConfig(settings: VthrSettings, task: string, seed: number, lr: number, lora: LoraConfig | undefined): TrainConfig {
  const { fineTune } = settings;
  return {
    objective: { kind: "vit-classification", vit: { ...settings.vit, numClasses: taskByName(task).numClasses } },
    data: { kind: "image-task", task, seed: deriveSeed(seed, "data"), trainCount: fineTune.trainCount, evalCount: fineTune.evalCount },
    seed,
    steps: fineTune.steps,
    batchSize: fineTune.batchSize,
    optimizer: fineTune.optimizer,
    lr,
    warmupSteps: fineTune.warmupSteps,
    ...(lora ? { lora } : {}),
  };
}
