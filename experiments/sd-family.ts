#!/usr/bin/env bun
/**
 * The Stable Diffusion Model Tree in the wild (paper Fig. 8, §6.2), on a chain of continued
 * pre-training this harness trains itself: generalization nodes, each resuming its parent
 * with the same generative objective (masked-patch reconstruction) on a re-filtered mixture.
 *
 *   1. plan      sd-v1-1 (the VTHR MAE root) → sd-v1-2 → {sd-v1-3, sd-v1-4}, sd-v1-4 → sd-v1-5
 *   2. train     each continuation from its parent into the cache (float32, as SD v1 was released)
 *   3. release   one folder per model id, as the family is downloaded
 *   4. recover   as the paper (ℓ_FT, every model generalization, one tree), then with
 *                `--stage auto` and with the tool's defaults; score every edge; diagnose the true edges
 *   5. CLI       `bun run mother recover <release folder> --stage generalization …` must give the same tree
 *   6. report    reports/sd-family-fig-8.html + the same numbers on the terminal
 *
 * Usage: bun run experiments/sd-family.ts [--quick] [--seed N] [--workers N] [--reports DIR] [--cache DIR]
 */
import { experimentCommand, runExperiment, settingsOf, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { runFamilyExperiment, type FamilyExperiment } from "../src/harness/families/family-experiment.ts";
import { SD_FAMILY_DEFAULTS, SD_FAMILY_QUICK, type SdFamilySettings } from "../src/harness/families/sd-family-settings.ts";
import { planSdFamily } from "../src/harness/families/plan-sd-family.ts";

const program = experimentCommand(
  "sd-family",
  "Train a Stable-Diffusion-like chain of continued pre-training (v1.1 → v1.2 → {v1.3, v1.4}, v1.4 → v1.5) and recover its tree (paper Fig. 8)",
  {
    quick: "VTHR's quick MAE root and 40-step continuations: an end-to-end smoke test",
    seed: "master seed of the continuations' init, images and batch order",
    workers: true,
    cache: "artefact cache (models, release folder)",
  },
);

const experiment: FamilyExperiment<SdFamilySettings> = {
  family: "sd-family",
  slug: "sd-family-fig-8",
  title: "Fig. 8: the Stable Diffusion Model Tree, on a chain of continued pre-training trained here",
  paper: {
    source: "Fig. 8 and §6.2",
    family: "Stable Diffusion",
    accuracy: 0.75,
    directionAgreement: 1,
    note: "paper: all but one of 4 edges; v1.4 placed under v1.3 instead of beside it — a wrong distance, the direction was right",
  },
  plan: planSdFamily,
  describe: (settings) =>
    `A chain of five small ViTs (dim ${settings.vthr.vit.dim}, depth ${settings.vthr.vit.depth}) mirroring the Stable Diffusion v1 ` +
    `model cards as the paper's Fig. 8 draws them: ` +
    "sd-v1-1 is pre-trained from scratch with masked-patch reconstruction on every procedural task (the VTHR MAE root, standing in " +
    'for laion2B-en); sd-v1-2 resumes it on a filtered subset ("laion-improved-aesthetics"); ' +
    'sd-v1-3 and sd-v1-4 both resume sd-v1-2 on a stricter filter ("laion-aesthetics v2 5+") with different seeds and lengths, and ' +
    "sd-v1-5 resumes sd-v1-4 on the same data, longer. " +
    "Every continuation keeps the objective, uses fresh images and a constant learning rate after warmup, with step counts scaled from the model cards. " +
    'Recovery labels every model generalization (paper §6.2: "better and more generalized foundation models") and uses ℓ_FT; it is ' +
    "also run with --stage auto and with the tool's defaults. " +
    'Note: the SD v1.5 model card says it resumed from v1.2; the paper\'s figure and its "4 level hierarchy" put it under v1.4, ' +
    "and this chain follows the paper.",
};

async function main(options: CommonCliOptions): Promise<void> {
  const settings = settingsOf(options.quick ? SD_FAMILY_QUICK : SD_FAMILY_DEFAULTS, { seed: options.seed, workers: options.workers });
  await runFamilyExperiment(experiment, settings, options);
}

await runExperiment(program, main);
