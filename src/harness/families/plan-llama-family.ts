/**
 * The Llama-like family as a plan (paper Fig. 1), before anything is trained: a pure
 * function of the settings, so the same settings always name the same cached models.
 *
 *   llama-2 (English pre-training)
 *     ├─ llama-2-chat        (chat transcripts)
 *     └─ codellama           (code)
 *          ├─ codellama-python   (Python)
 *          └─ codellama-instruct (instruction-formatted code)
 *
 * Other trees (held-out set 2, held-out-2-recipes.ts) are planned the same way: the plan
 * follows each member's parent link and stage.
 */
import { deriveSeed } from "../../../datasets/index.ts";
import type { TrainConfig } from "../../train/train-config.ts";
import type { FamilyMember } from "./family-member.ts";
import type { LlamaFamilySettings, LmMemberRecipe, TextCorpus } from "./llama-family-settings.ts";

/** What each corpus is, for the report's "trained on" column. */
const CORPUS_WORDS: Readonly<Record<TextCorpus, string>> = {
  english: "English prose (State of the Union addresses)",
  chat: "user/assistant chat transcripts",
  code: "TypeScript/JavaScript sources",
  python: "Python sources (GYP)",
  instruct: "instruction/response pairs about Python functions",
};

/** Every member with its full training config, parents before children. */
export function planLlamaFamily(settings: LlamaFamilySettings): FamilyMember[] {
  return settings.members.map((recipe) => ({
    id: recipe.id,
    paperName: recipe.paperName,
    ...(recipe.parent !== undefined ? { parent: recipe.parent } : {}),
    // Paper §6.2: every Llama 2 model, the foundation model included, is labelled specialization.
    stage: recipe.stage ?? ("specialization" as const),
    data: `${CORPUS_WORDS[recipe.corpus]}, ${recipe.steps} steps × ${settings.batchSize}×${settings.llama.contextLength} tokens, peak lr ${recipe.lr}${recipe.lora ? `, LoRA r${recipe.lora.rank} (merged)` : ""}`,
    config: memberConfig(recipe, settings),
    ...(settings.torch ? { torch: recipe.torch ? { ...settings.torch, ...recipe.torch } : settings.torch } : {}),
  }));
}

function memberConfig(recipe: LmMemberRecipe, settings: LlamaFamilySettings): TrainConfig {
  const seed = deriveSeed(settings.seed, recipe.id);
  return {
    objective: { kind: "llama-next-token", llama: settings.llama },
    data: {
      kind: "text",
      corpus: recipe.corpus,
      seed: deriveSeed(seed, "data"),
      evalFraction: settings.evalFraction,
      ...(recipe.maxBytes !== undefined ? { maxBytes: recipe.maxBytes } : {}),
    },
    seed,
    steps: recipe.steps,
    batchSize: settings.batchSize,
    optimizer: settings.optimizer,
    lr: recipe.lr,
    lrFloor: recipe.lr * settings.lrFloorFraction,
    warmupSteps: recipe.warmupSteps,
    ...(recipe.lora ? { lora: recipe.lora } : {}),
  };
}
