#!/usr/bin/env bun
/**
 * Paper §6.1 ablations on the VTHR models: ℓ_FT instead of ℓ_LoRA on the LoRA splits (paper
 * LoRA-V: 1.0 → 0.78), and a sweep of the λ constant c on every split.
 *
 *   1. load      the VTHR models of experiments/vthr.ts (cached: same settings ⇒ same keys)
 *   2. distance  LoRA-V and LoRA-F recovered with distance = lora | ft | auto (recoverSplit)
 *   3. lambda    every split recovered with each c (recoverSplit)
 *   4. save      each variant's recovered Model Graph and per-tree graphs as JSON
 *   5. report    reports/lora-distance-ablation.html + the same tables on the terminal
 *
 * Usage: bun run experiments/lora-distance-ablation.ts [--quick] [--lambdas 0,0.1,...] [--reports DIR] [--cache DIR]
 */
import { join } from "node:path";
import { defaultProgress } from "../src/ui/progress.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { SPLITS, VTHR_DEFAULTS, VTHR_QUICK, type SplitName } from "../src/harness/vthr/vthr-settings.ts";
import { experimentCommand, numberList, publishReport, runExperiment, settingsOf, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { loadVthr } from "../src/harness/ablation/load-vthr.ts";
import { optionSweep, type OptionVariant } from "../src/harness/ablation/option-sweep.ts";
import { loraDistancePage, type SplitSweep } from "../src/harness/ablation/lora-distance-report.ts";

/** Every setting, with why. */
const DEFAULTS = {
  /** The VTHR models (experiments/vthr.ts defaults, so its cached models are reused). */
  vthr: VTHR_DEFAULTS,
  /** Splits of the distance ablation (paper: LoRA-V; LoRA-F for contrast). */
  distanceSplits: ["lora-v", "lora-f"] as readonly SplitName[],
  /** The distances compared. */
  distances: [
    { label: "ℓ_LoRA", overrides: { distance: "lora" } },
    { label: "ℓ_FT", overrides: { distance: "ft" } },
    { label: "auto (default)", overrides: { distance: "auto" } },
  ] as readonly OptionVariant[],
  /** Splits of the λ sweep. */
  lambdaSplits: SPLITS,
  /** c in λ = c · mean(D); 0.3 is the tool's default. */
  lambdas: [0, 0.1, 0.2, 0.3, 0.5, 1, 2] as readonly number[],
};
type Settings = typeof DEFAULTS;
const QUICK: Settings = { ...DEFAULTS, vthr: VTHR_QUICK, lambdas: [0, 0.3, 2] };

interface Options extends CommonCliOptions {
  readonly lambdas?: number[];
}

const program = experimentCommand(
  "lora-distance-ablation",
  "Paper §6.1: ℓ_FT instead of ℓ_LoRA on LoRA-V/LoRA-F, and a sweep of the λ constant c on every split",
  {},
).option("--lambdas <list>", `values of c in λ = c · mean(D) (default ${DEFAULTS.lambdas.join(",")})`, numberList);

async function main(options: Options): Promise<void> {
  const started = performance.now();
  const settings = settingsOf(options.quick ? QUICK : DEFAULTS, { lambdas: options.lambdas });
  const progress = defaultProgress();

  // 1. load
  const vthr = await loadVthr(settings.vthr, { cache: options.cache, progress });
  const opened = new Map(
    await Promise.all([...new Set([...settings.distanceSplits, ...settings.lambdaSplits])].map(async (split) => [split, await vthr.openSplit(split)] as const)),
  );
  const task = progress.start(
    "recover variants",
    settings.distanceSplits.length * settings.distances.length + settings.lambdaSplits.length * settings.lambdas.length,
  );

  // 2. distance ablation
  const distance: SplitSweep[] = [];
  for (const split of settings.distanceSplits) {
    const { models, truth } = opened.get(split)!;
    distance.push({ split, variants: await optionSweep(models, truth, settings.distances, () => task.advance()) });
  }

  // 3. λ sweep
  const lambdaVariants: OptionVariant[] = settings.lambdas.map((c) => ({ label: String(c), overrides: { lambda: c } }));
  const lambda: SplitSweep[] = [];
  for (const split of settings.lambdaSplits) {
    const { models, truth } = opened.get(split)!;
    lambda.push({ split, variants: await optionSweep(models, truth, lambdaVariants, () => task.advance()) });
  }
  task.finish();

  // 4. save
  const dataDir = join(options.reports, "data", "lora-distance-ablation");
  const record = (sweeps: SplitSweep[]) =>
    sweeps.map((s) => ({
      split: s.split,
      truth: opened.get(s.split)!.truth,
      variants: s.variants.map((v) => ({
        label: v.variant.label,
        overrides: v.variant.overrides,
        graph: v.recovery.graph.graph,
        perTree: Object.fromEntries([...v.recovery.perTree].map(([root, r]) => [root, r.graph])),
      })),
    }));
  await writeFileAtomic(join(dataDir, "results.json"), `${JSON.stringify({ distance: record(distance), lambda: record(lambda) })}\n`);

  // 5. report
  const page = loraDistancePage(distance, lambda);
  await publishReport(options.reports, page, dataDir, started);
}

await runExperiment(program, main);
