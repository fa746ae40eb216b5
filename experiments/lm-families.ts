#!/usr/bin/env bun
/**
 * Placement and orientation on every family benchmark (issue #13 item 4): the Llama-like
 * family under eight recipes (our trainer and PyTorch's, Llama and GPT-2 names, 0.13 M and
 * 12.9 M parameters), the SD-like chain in three seeds, and held-out sets 2–7 (PyTorch-trained
 * families of other trees, optimisers, shapes, names and sizes; sets 4–7 only when --only names them),
 * each recovered with the tool's defaults and
 * with one setting changed (a direction rule, the chain rule, the stage, the ℓ_FT distance).
 *
 *   1. open      every benchmark's release folder (src/harness/families/family-benchmarks.ts;
 *                with --train the missing models are trained, else missing families are skipped;
 *                --train-only trains them and stops there)
 *   2. recover   each with every setting, the way `mother recover <folder> [flag]` does
 *   3. score     directed edges right, and placement: true edges recovered in either direction
 *   4. variants  with --variants, placement by each candidate ℓ_FT variant and layer set alone
 *                (its minimum spanning tree; src/harness/families/distance-variants.ts), and per layer kind
 *                whether a long child lies nearer its parent than its short sibling (layer-kind-pull.ts)
 *   5. angles    on each language-model true tree, the angles the sibling-angle rule reads
 *                (src/harness/families/family-angles.ts): chains must not be obtuse, siblings are
 *   6. report    the tables on the terminal and reports/data/lm-families/results.json
 *
 * Usage: bun run experiments/lm-families.ts [--train | --train-only] [--variants] [--only a,b] [--settings a,b] [--reports DIR] [--cache DIR]
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { experimentCommand, runExperiment, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { ArtifactStore } from "../src/harness/artifact-store.ts";
import { benchmarksNamed, cachedFamilyArtifacts, openFamilyBenchmark, type FamilyBenchmark } from "../src/harness/families/family-benchmarks.ts";
import { FAMILY_SETTINGS, familyPlacement, placementTable } from "../src/harness/families/family-placement.ts";
import { distanceVariants, variantTable, type VariantPlacement } from "../src/harness/families/distance-variants.ts";
import { layerKindPull, pullTable, type KindPull } from "../src/harness/families/layer-kind-pull.ts";
import { angleTable, familyAngles, type FamilyAngle } from "../src/harness/families/family-angles.ts";
import { discoverModels } from "../src/io/discover-models.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { lineProgress } from "../src/ui/progress.ts";
import { formatTable } from "../src/report/print-table.ts";

const program = experimentCommand("lm-families", "Placement and orientation of every family benchmark (Llama-like recipes, SD-like seeds) under each setting", {
  cache: "artefact cache (the families' models)",
})
  .option("--train", "train the families missing from the cache (else they are skipped)")
  .option("--train-only", "train the missing families and stop: nothing is recovered or scored (a held-out set is frozen before any rule sees it)")
  .option("--variants", "also measure placement by each candidate distance variant and layer set (no direction prior), and the layer kinds' pull")
  .option("--only <names>", "comma-separated benchmark names or prefixes (e.g. llama:torch,sd@)")
  .option("--settings <words>", "comma-separated: run only the settings whose name contains one (e.g. defaults,sibling-angles); default every one");

async function main(
  options: CommonCliOptions & {
    readonly train?: boolean;
    readonly trainOnly?: boolean;
    readonly variants?: boolean;
    readonly only?: string;
    readonly settings?: string;
  },
): Promise<void> {
  const settingWords = options.settings?.split(",").filter((word) => word !== "");
  const settings = settingWords ? FAMILY_SETTINGS.filter((s) => settingWords.some((word) => s.name.includes(word))) : FAMILY_SETTINGS;
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });
  const wanted = options.only?.split(",").filter((word) => word !== "");
  const rows = [];
  const training: { benchmark: string; steps: number; cpuMinutes: number; parameters: number }[] = [];
  const variants: { benchmark: string; kind: FamilyBenchmark["kind"]; heldOutSet: FamilyBenchmark["heldOutSet"]; placements: VariantPlacement[] }[] = [];
  const angles: { benchmark: string; angles: FamilyAngle[] }[] = [];
  const pulls: { benchmark: string; kind: FamilyBenchmark["kind"]; heldOutSet: FamilyBenchmark["heldOutSet"]; pull: KindPull[] }[] = [];
  // A sealed held-out set (sets 4–8, each scored once) is read only when --only names it.
  for (const benchmark of benchmarksNamed(wanted)) {
    const train = options.train || options.trainOnly;
    const artifacts = train ? undefined : await cachedFamilyArtifacts(benchmark, options.cache);
    if (!train && !artifacts) {
      process.stderr.write(`[lm-families] ${benchmark.name}: not trained yet, skipped (${benchmark.command}, or --train)\n`);
      continue;
    }
    const { releasePath, truth } = await openFamilyBenchmark(benchmark, { store, progress: lineProgress() });
    if (options.trainOnly) continue;
    const models = await discoverModels([releasePath]);
    rows.push(await familyPlacement(benchmark, models, truth, settings));
    training.push({ benchmark: benchmark.name, ...(await trainingCost(benchmark, releasePath)), parameters: rows.at(-1)!.parameters });
    if (benchmark.kind === "lm") angles.push({ benchmark: benchmark.name, angles: await familyAngles(models, truth) });
    if (options.variants)
      variants.push({ benchmark: benchmark.name, kind: benchmark.kind, heldOutSet: benchmark.heldOutSet, placements: await distanceVariants(models, truth) });
    if (options.variants && benchmark.kind === "lm")
      pulls.push({ benchmark: benchmark.name, kind: benchmark.kind, heldOutSet: benchmark.heldOutSet, pull: await layerKindPull(models, truth) });
  }
  if (options.trainOnly) return;
  const trainingRows = training.map((t) => [t.benchmark, `${(t.parameters / 1e6).toFixed(2)} M`, t.steps, Number(t.cpuMinutes.toFixed(1))]);
  process.stdout.write(
    `${formatTable("Size and training (the trainers' own ms/step × steps, summed over the family)", ["benchmark", "parameters", "steps", "train CPU-minutes"], trainingRows).join("\n")}\n\n`,
  );
  process.stdout.write(`${placementTable(rows, settings)}\n\n${angleTable(angles)}\n`);
  if (options.variants) process.stdout.write(`\n${variantTable(variants)}\n\n${pullTable(pulls)}\n`);
  const dataDir = join(options.reports, "data", "lm-families");
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(join(dataDir, "results.json"), `${JSON.stringify({ settings, rows, training, variants, pulls, angles }, null, 1)}\n`);
}

/** Steps and the trainers' loop time of a family (result.json of every member). */
async function trainingCost(benchmark: FamilyBenchmark, releasePath: string): Promise<{ steps: number; cpuMinutes: number }> {
  let steps = 0;
  let ms = 0;
  for (const member of benchmark.members) {
    const result = JSON.parse(await readFile(join(releasePath, member.id, "result.json"), "utf8")) as { msPerStep: number };
    steps += member.config.steps;
    ms += result.msPerStep * member.config.steps;
  }
  return { steps, cpuMinutes: ms / 60_000 };
}

await runExperiment(program, main);
