#!/usr/bin/env bun
/**
 * The Llama 2 Model Tree in the wild (paper Fig. 1, §6.2), on a Llama-like decoder LM this
 * harness trains itself from real text:
 *
 *   1. plan      llama-2 (English) → llama-2-chat (chat), → codellama (code)
 *                → {codellama-python (Python), codellama-instruct (instructions)}
 *   2. train     each model from its parent into the cache, saved in bfloat16 with Hugging Face names
 *   3. release   one folder per model id, as the family is downloaded
 *   4. recover   as the paper (ℓ_FT, every model specialization, one tree), then without stage
 *                labels and with the tool's defaults; score every edge; diagnose the true edges
 *   5. CLI       `bun run mother recover <release folder>` must give the same tree
 *   6. report    reports/llama-family-fig-1.html + the same numbers on the terminal
 *
 * `--recipe` trains the same tree another way (src/harness/families/llama-family-recipes.ts):
 * other optimisers and learning rates, LoRA children, a long code stage, 12.9 M parameters,
 * or PyTorch's trainer (Llama or GPT-2 names); each recipe has its own seed and report page.
 *
 * Usage: bun run experiments/llama-family.ts [--recipe NAME] [--quick] [--seed N] [--workers N] [--reports DIR] [--cache DIR]
 */
import { experimentCommand, runExperiment, settingsOf, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { runFamilyExperiment, type FamilyExperiment } from "../src/harness/families/family-experiment.ts";
import { LLAMA_FAMILY_QUICK, type LlamaFamilySettings } from "../src/harness/families/llama-family-settings.ts";
import { LLAMA_RECIPE_NAMES, LLAMA_RECIPES } from "../src/harness/families/llama-family-recipes.ts";
import { choiceList } from "../src/harness/choice-list.ts";
import { planLlamaFamily } from "../src/harness/families/plan-llama-family.ts";

const program = experimentCommand(
  "llama-family",
  "Train a Llama-2-like family (base, chat, code, code-python, code-instruct) in bfloat16 and recover its tree (paper Fig. 1)",
  {
    quick: "40 kB of text per model and a few dozen steps: an end-to-end smoke test",
    seed: "master seed of every model's init, batch order and corpus shuffle",
    workers: true,
    cache: "artefact cache (models, release folder)",
  },
).option(
  "--recipe <name>",
  `how the family is trained: ${LLAMA_RECIPE_NAMES.join(", ")}`,
  (value: string) => choiceList(value, "recipe", LLAMA_RECIPE_NAMES, (word) => LLAMA_RECIPE_NAMES.find((name) => name === word))[0]!,
  "llama-2",
);

/** The default recipe keeps the page and data folder it always had; the others get their own. */
const experimentFor = (recipe: string): FamilyExperiment<LlamaFamilySettings> =>
  recipe === "llama-2"
    ? experiment
    : { ...experiment, family: `llama-family-${recipe}`, slug: `llama-family-${recipe}`, title: `${experiment.title} (recipe ${recipe})` };

const experiment: FamilyExperiment<LlamaFamilySettings> = {
  family: "llama-family",
  slug: "llama-family-fig-1",
  title: "Fig. 1: the Llama 2 Model Tree, on a Llama-like family trained here",
  paper: {
    source: "Fig. 1 and §6.2",
    family: "Llama 2",
    accuracy: 1,
    note: "paper: 5 official Llama 2 / Code Llama models in 3 levels, recovered with perfect accuracy",
  },
  plan: planLlamaFamily,
  describe: (settings) =>
    (settings.torch ? `Trained by PyTorch (experiments/lm-families/train_lm.py, ${settings.torch.arch} architecture and names). ` : "") +
    `A ${settings.llama.depth}-block, ${settings.llama.dim}-wide Llama-like decoder (RMSNorm, rotary q/k/v/o, SwiGLU gate/up/down, ` +
    `byte tokens) pre-trained on real English text, ` +
    "then fine-tuned the way Meta built Llama 2 Chat (from the base, on chat transcripts), Code Llama (from the base, on code), " +
    "Code Llama - Python (from Code Llama, on Python) " +
    "and Code Llama - Instruct (from Code Llama, on instruction-formatted code). Step counts and learning rates follow the papers' " +
    "ratios (see src/harness/families/llama-family-settings.ts). " +
    `Every checkpoint is saved in ${settings.dtype} with transformers' Llama names and recovered from those files by the product's ` +
    `own path (paper §6.2: ℓ_FT, every model labelled specialization).`,
};

async function main(options: CommonCliOptions & { readonly recipe: string }): Promise<void> {
  const recipe = LLAMA_RECIPES[options.recipe]!.settings;
  const preset = options.quick ? { ...recipe, members: quickMembers(recipe) } : recipe;
  const settings = settingsOf(preset, { seed: options.seed, workers: options.workers });
  await runFamilyExperiment(experimentFor(options.recipe), settings, options);
}

/** `--quick`: the recipe's tree on 40 kB of each corpus and a few dozen steps (LLAMA_FAMILY_QUICK's cut). */
function quickMembers(recipe: LlamaFamilySettings): LlamaFamilySettings["members"] {
  return recipe.members.map((member, i) => ({ ...member, ...LLAMA_FAMILY_QUICK.members[i], ...(member.lora ? { lora: member.lora } : {}), id: member.id }));
}

await runExperiment(program, main);
