#!/usr/bin/env bun
/**
 * Issue #12, item 5: a typed model zoo recovered with no flags, beside MoTHer with the paper's
 * settings on the same zoo.
 *
 *   1. load      the VTHR models of experiments/vthr.ts (cached: same settings ⇒ same keys)
 *   2. plan      per root: trained full and LoRA children, quantized copies, merges (plan-zoo.ts)
 *   3. derive    the copies and merges into <cache>/model-zoo/ (reused when unchanged)
 *   4. recover   with no flags, and with the paper's settings
 *   5. report    reports/model-zoo.html + data/model-zoo/*.json + the terminal
 *
 * Usage: bun run experiments/model-zoo.ts [--reports DIR] [--cache DIR]
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { defaultProgress } from "../src/ui/progress.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { discoverModels } from "../src/io/discover-models.ts";
import { VTHR_DEFAULTS } from "../src/harness/vthr/vthr-settings.ts";
import { experimentCommand, publishReport, runExperiment, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { loadVthr, openArtifacts } from "../src/harness/ablation/load-vthr.ts";
import { planZoo, type ZooMember } from "../src/harness/zoo/plan-zoo.ts";
import { writeDerivedCopy, DERIVED_COPY_VERSION } from "../src/harness/derived/write-derived-copy.ts";
import { writeZooMerge, ZOO_MERGE_VERSION } from "../src/harness/zoo/write-zoo-merge.ts";
import { modelZooPage, type ZooRun } from "../src/harness/zoo/zoo-report.ts";
import { recoverModels } from "../src/recover/recover.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../src/recover/options.ts";
import { formatGraph } from "../src/recover/format.ts";
import type { ModelSource } from "../src/types.ts";

/** Every setting, with why. */
const DEFAULTS = {
  /** The VTHR models (experiments/vthr.ts defaults, so its cached models are reused). */
  vthr: VTHR_DEFAULTS,
  /** MoTHer as the paper ran it: max |Δw| (ℓ_FT), kurtosis falling, the tree count known, one parent per model. */
  paper: { distance: "ft", ftDistance: "max", score: "kurtosis", stage: "specialization", merges: false } as Partial<RecoverOptions>,
};

const program = experimentCommand(
  "model-zoo",
  "Issue #12: a typed model zoo (full, LoRA, quantized, merged) recovered with no flags and with the paper's settings",
  {},
);

async function main(options: CommonCliOptions): Promise<void> {
  const started = performance.now();
  const progress = defaultProgress();

  // 1. load
  const vthr = await loadVthr(DEFAULTS.vthr, { cache: options.cache, progress });

  // 2. plan
  const zoo = planZoo(vthr.plan);
  const trained = zoo.members.filter((m) => m.make === "trained").map((m) => m.id);
  const opened = new Map((await openArtifacts(trained, vthr.artifacts)).map((m) => [m.id, m]));

  // 3. derive
  const folder = join(options.cache, "model-zoo", `copies-v${DERIVED_COPY_VERSION}-merges-v${ZOO_MERGE_VERSION}`);
  const task = progress.start("derive zoo members", zoo.members.length - trained.length);
  const derive = async (member: ZooMember): Promise<ModelSource> => {
    if (member.make === "trained") return opened.get(member.id)!;
    const at = join(folder, member.id);
    const fresh =
      member.make === "copy"
        ? await writeDerivedCopy(opened.get(member.source)!, member.kind, at)
        : await writeZooMerge(
            member.method,
            member.parents.map((p) => opened.get(p)!),
            member.base === undefined ? undefined : opened.get(member.base)!,
            at,
          );
    if (fresh) task.advance();
    else task.cached();
    const [model] = await discoverModels([at]);
    return { ...model!, id: member.id };
  };
  const models: ModelSource[] = [];
  for (const member of zoo.members) models.push(await derive(member));
  task.finish();

  // 4. recover
  const roots = new Set(zoo.members.map((m) => m.tree)).size;
  const runs: ZooRun[] = [];
  for (const [label, overrides] of [
    ["ours, no flags", {}],
    ["MoTHer, paper settings", { ...DEFAULTS.paper, trees: roots }],
  ] as const) {
    const result = await recoverModels(models, { ...DEFAULT_RECOVER_OPTIONS, ...overrides });
    runs.push({ label, graph: result.graph });
  }

  // 5. report
  const dataDir = join(options.reports, "data", "model-zoo");
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(join(dataDir, "truth.json"), `${JSON.stringify(zoo.truth, null, 2)}\n`);
  for (const [i, run] of runs.entries()) await writeFileAtomic(join(dataDir, `recovered-${i}.json`), formatGraph(run.graph, "json"));
  await publishReport(options.reports, modelZooPage(zoo, runs), dataDir, started);
}

await runExperiment(program, main);
