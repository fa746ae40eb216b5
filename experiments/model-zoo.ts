#!/usr/bin/env bun
/**
 * Issue #12, item 5: a typed model zoo recovered with no flags, beside MoTHer with the paper's
 * settings on the same zoo.
 *
 *   1. load      the VTHR models (experiments/vthr.ts) and the Llama-like family (experiments/llama-family.ts),
 *                cached: the same settings ⇒ the same keys
 *   2. plan      per base: full, merged-LoRA and PEFT-adapter children, quantized and GGUF copies,
 *                merges, and chains that mix methods (src/harness/zoo/plan-zoo.ts)
 *   3. build     train, merge, copy and publish every member into <cache>/model-zoo/release/,
 *                one folder per model as a hub user downloads it (reused when unchanged)
 *   4. recover   that folder with no flags, and with the paper's settings
 *   5. report    reports/model-zoo.html + data/model-zoo/*.json + the terminal
 *
 * Usage: bun run experiments/model-zoo.ts [--workers N] [--reports DIR] [--cache DIR]
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { defaultProgress } from "../src/ui/progress.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { VTHR_DEFAULTS } from "../src/harness/vthr/vthr-settings.ts";
import { LLAMA_FAMILY_DEFAULTS } from "../src/harness/families/llama-family-settings.ts";
import { planLlamaFamily } from "../src/harness/families/plan-llama-family.ts";
import { experimentCommand, publishReport, runExperiment, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { loadVthr } from "../src/harness/ablation/load-vthr.ts";
import { ArtifactStore } from "../src/harness/artifact-store.ts";
import { trainPlanned } from "../src/harness/train-planned.ts";
import { planZoo } from "../src/harness/zoo/plan-zoo.ts";
import { buildZoo } from "../src/harness/zoo/build-zoo.ts";
import { modelZooPage, type ZooRun } from "../src/harness/zoo/zoo-report.ts";
import { recover } from "../src/recover/recover.ts";
import type { RecoverOptions } from "../src/recover/options.ts";
import { formatGraph } from "../src/recover/format.ts";

/** Every setting, with why. */
const DEFAULTS = {
  /** The VTHR models (experiments/vthr.ts defaults, so its cached models are reused). */
  vthr: VTHR_DEFAULTS,
  /** The Llama-like family (experiments/llama-family.ts defaults, bf16, so its cached models are reused). */
  llama: LLAMA_FAMILY_DEFAULTS,
  /** MoTHer as the paper ran it: max |Δw| (ℓ_FT), kurtosis falling, the tree count known, one parent per model. */
  paper: { distance: "ft", ftDistance: "max", score: "kurtosis", stage: "specialization", merges: false } as Partial<RecoverOptions>,
};

const program = experimentCommand(
  "model-zoo",
  "Issue #12: a typed model zoo (full, LoRA, PEFT, quantized, GGUF, merged, mixed chains) recovered with no flags and with the paper's settings",
  { workers: true },
);

async function main(options: CommonCliOptions): Promise<void> {
  const started = performance.now();
  const progress = defaultProgress();
  const workers = options.workers ?? DEFAULTS.vthr.workers;

  // 1. load
  const vthr = await loadVthr(DEFAULTS.vthr, { cache: options.cache, progress });
  const llamaMembers = planLlamaFamily(DEFAULTS.llama);
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });
  const llama = await trainPlanned(llamaMembers, { store, progress, workers, dtype: DEFAULTS.llama.dtype, label: "train the Llama-like family" });

  // 2. plan, 3. build
  const zoo = planZoo({ vthr: vthr.plan, vthrSettings: DEFAULTS.vthr, llama: { members: llamaMembers, settings: DEFAULTS.llama } });
  const building = performance.now();
  const built = await buildZoo(zoo, new Map([...vthr.artifacts, ...llama]), { cache: options.cache, progress, workers });
  const generation = { seconds: (performance.now() - building) / 1000, fresh: built.fresh, gguf: built.gguf };

  // 4. recover
  const roots = new Set(zoo.members.map((m) => m.tree)).size;
  const runs: ZooRun[] = [];
  for (const [label, overrides] of [
    ["ours, no flags", {}],
    ["MoTHer, paper settings", { ...DEFAULTS.paper, trees: roots }],
  ] as const) {
    const result = await recover([built.release], overrides);
    runs.push({ label, graph: result.graph });
  }

  // 5. report
  const dataDir = join(options.reports, "data", "model-zoo");
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(join(dataDir, "truth.json"), `${JSON.stringify(zoo.truth, null, 2)}\n`);
  for (const [i, run] of runs.entries()) await writeFileAtomic(join(dataDir, `recovered-${i}.json`), formatGraph(run.graph, "json"));
  await publishReport(options.reports, modelZooPage(zoo, runs, generation), dataDir, started);
}

await runExperiment(program, main);
