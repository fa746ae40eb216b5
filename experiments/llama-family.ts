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
 * Usage: bun run experiments/llama-family.ts [--quick] [--seed N] [--workers N] [--reports DIR] [--cache DIR]
 */
import { experimentCommand, runExperiment, settingsOf, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { runFamilyExperiment, type FamilyExperiment } from "../src/harness/families/family-experiment.ts";
import { LLAMA_FAMILY_DEFAULTS, LLAMA_FAMILY_QUICK, type LlamaFamilySettings } from "../src/harness/families/llama-family-settings.ts";
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
);

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
    `A ${settings.llama.depth}-block, ${settings.llama.dim}-wide Llama-like decoder (RMSNorm, rotary q/k/v/o, SwiGLU gate/up/down, ` +
    `byte tokens) pre-trained on real English text, ` +
    "then fine-tuned the way Meta built Llama 2 Chat (from the base, on chat transcripts), Code Llama (from the base, on code), " +
    "Code Llama - Python (from Code Llama, on Python) " +
    "and Code Llama - Instruct (from Code Llama, on instruction-formatted code). Step counts and learning rates follow the papers' " +
    "ratios (see src/harness/families/llama-family-settings.ts). " +
    `Every checkpoint is saved in ${settings.dtype} with transformers' Llama names and recovered from those files by the product's ` +
    `own path (paper §6.2: ℓ_FT, every model labelled specialization).`,
};

async function main(options: CommonCliOptions): Promise<void> {
  const settings = settingsOf(options.quick ? LLAMA_FAMILY_QUICK : LLAMA_FAMILY_DEFAULTS, { seed: options.seed, workers: options.workers });
  await runFamilyExperiment(experiment, settings, options);
}

await runExperiment(program, main);
