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
import { Command, InvalidArgumentError } from "commander";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ArtifactStore } from "../src/harness/artifact-store.ts";
import { lineProgress, terminalProgress } from "../src/harness/progress.ts";
import { formatDuration } from "../src/harness/format-units.ts";
import { writeFileAtomic } from "../src/harness/write-file-atomic.ts";
import { LLAMA_FAMILY_DEFAULTS, LLAMA_FAMILY_QUICK, type LlamaFamilySettings } from "../src/harness/families/llama-family-settings.ts";
import { planLlamaFamily } from "../src/harness/families/plan-llama-family.ts";
import { runFamily } from "../src/harness/families/run-family.ts";
import { familyReportPage } from "../src/harness/families/family-report.ts";
import { printReportPage, writeReportPage } from "../src/report/index.ts";
import { formatGraph } from "../src/recover/format.ts";
import { MotherError } from "../src/errors.ts";

interface CliOptions {
  quick?: boolean;
  seed?: number;
  workers?: number;
  reports: string;
  cache: string;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
}

const SLUG = "llama-family-fig-1";

const program = new Command("llama-family")
  .description("Train a Llama-2-like family (base, chat, code, code-python, code-instruct) in bfloat16 and recover its tree (paper Fig. 1)")
  .option("--quick", "40 kB of text per model and a few dozen steps: an end-to-end smoke test")
  .option("--seed <n>", "master seed of every model's init, batch order and corpus shuffle", integer)
  .option("--workers <n>", "parallel training workers (one ORT thread each)", integer)
  .option("--reports <dir>", "where report pages go", "reports")
  .option("--cache <dir>", "artefact cache (models, release folder)", ".cache")
  .showHelpAfterError();

async function main(options: CliOptions): Promise<void> {
  const started = performance.now();
  const base = options.quick ? LLAMA_FAMILY_QUICK : LLAMA_FAMILY_DEFAULTS;
  const settings: LlamaFamilySettings = {
    ...base,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.workers !== undefined ? { workers: Math.max(1, options.workers) } : {}),
  };
  const progress = process.stderr.isTTY ? terminalProgress() : lineProgress();
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });

  // 1. plan
  const members = planLlamaFamily(settings);

  // 2–5. train, release, recover, CLI
  const run = await runFamily({ family: "llama-family", members, recoveries: settings.recoveries, dtype: settings.dtype, store, progress, workers: settings.workers });

  // 6. report
  const dataDir = join(options.reports, "data", "llama-family");
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(join(dataDir, "truth.json"), `${JSON.stringify(run.truth, null, 2)}\n`);
  await writeFileAtomic(join(dataDir, "recovered.json"), formatGraph(run.recoveries[0]!.graph, "json"));
  const page = familyReportPage({
    slug: SLUG,
    title: "Fig. 1: the Llama 2 Model Tree, on a Llama-like family trained here",
    description:
      `A ${settings.llama.depth}-block, ${settings.llama.dim}-wide Llama-like decoder (RMSNorm, rotary q/k/v/o, SwiGLU gate/up/down, byte tokens) pre-trained on real English text, ` +
      "then fine-tuned the way Meta built Llama 2 Chat (from the base, on chat transcripts), Code Llama (from the base, on code), Code Llama - Python (from Code Llama, on Python) " +
      "and Code Llama - Instruct (from Code Llama, on instruction-formatted code). Step counts and learning rates follow the papers' ratios (see src/harness/families/llama-family-settings.ts). " +
      `Every checkpoint is saved in ${settings.dtype} with transformers' Llama names and recovered from those files by the product's own path (paper §6.2: ℓ_FT, every model labelled specialization). ` +
      (options.quick ? "This is the --quick form: the models barely train, so its numbers mean nothing." : ""),
    paper: {
      source: "Fig. 1 and §6.2",
      family: "Llama 2",
      accuracy: 1,
      note: "paper: 5 official Llama 2 / Code Llama models in 3 levels, recovered with perfect accuracy",
    },
    members,
    truth: run.truth,
    recoveries: run.recoveries,
    matrices: run.matrices,
    diagnosis: run.diagnosis,
    orientations: run.orientations,
    training: run.training,
    dtype: settings.dtype,
    cli: run.cli,
  });
  await writeReportPage(options.reports, page);
  printReportPage(page);
  console.log(`\nreport: ${join(options.reports, `${SLUG}.html`)}   models: ${run.releasePath}   wall time ${formatDuration(performance.now() - started)}`);
}

try {
  program.parse();
  await main(program.opts<CliOptions>());
} catch (error) {
  if (error instanceof MotherError) {
    process.stderr.write(`llama-family: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
