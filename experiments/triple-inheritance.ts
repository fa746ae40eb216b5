#!/usr/bin/env bun
/**
 * Third-model evidence for placement (issue #13): on every language-model family's TRUE tree, does a child of I
 * inherit I's update where a sibling of I does not? (src/harness/families/triple-inheritance.ts: the inheritance
 * ratio in correlation geometry, and the sign deficit on I's largest moves.) No recovery, no rule: the signal only.
 *
 *   1. open     each family's release folder from the cache (nothing is trained; missing families are skipped)
 *   2. score    every true chain g → x → y and every sibling pair, each way round (ratio, sign deficit, residual slope,
 *               back step)
 *   3. report   quantiles per pool, the siblings a distance could hang under i that read like a chain, the true chains
 *               whose child lies nearer its grandparent than its parent (back step < 0), and
 *               reports/data/triple-inheritance/results.json
 *
 * Usage: bun run experiments/triple-inheritance.ts [--only a,b] [--reports DIR] [--cache DIR]
 *   (sealed held-out sets are read only when --only names them, as in lm-families.ts)
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { experimentCommand, runExperiment, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { ArtifactStore } from "../src/harness/artifact-store.ts";
import { benchmarksNamed, cachedFamilyArtifacts, openFamilyBenchmark } from "../src/harness/families/family-benchmarks.ts";
import { familyInheritance, inheritancePools, quantiles, type InheritanceTriple } from "../src/harness/families/triple-inheritance.ts";
import { discoverModels } from "../src/io/discover-models.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";
import { lineProgress } from "../src/ui/progress.ts";
import { formatTable } from "../src/report/print-table.ts";

const program = experimentCommand("triple-inheritance", "Does a third model tell a child of I from a sibling of I? Two inheritance tests on the true trees", {
  cache: "artefact cache (the families' models)",
}).option("--only <names>", "comma-separated benchmark names or prefixes (e.g. llama:,set2:)");

async function main(options: CommonCliOptions & { readonly only?: string }): Promise<void> {
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });
  const rows: { benchmark: string; triples: InheritanceTriple[] }[] = [];
  for (const benchmark of benchmarksNamed(options.only?.split(",").filter((word) => word !== ""))) {
    if (benchmark.kind !== "lm") continue;
    if (!(await cachedFamilyArtifacts(benchmark, options.cache))) {
      process.stderr.write(`[triple-inheritance] ${benchmark.name}: not trained yet, skipped (${benchmark.command})\n`);
      continue;
    }
    const { releasePath, truth } = await openFamilyBenchmark(benchmark, { store, progress: lineProgress() });
    rows.push({ benchmark: benchmark.name, triples: await familyInheritance(await discoverModels([releasePath]), truth) });
  }
  const pools = inheritancePools(rows);
  const cells = (values: number[]) => quantiles(values).map((v) => Number(v.toFixed(3)));
  const poolRows = pools.flatMap((pool) => [
    [pool.label, pool.triples.length, "ratio − 1", ...cells(pool.triples.map((t) => t.ratio - 1))],
    [pool.label, pool.triples.length, "sign deficit", ...cells(pool.triples.map((t) => t.signDeficit))],
    [pool.label, pool.triples.length, "residual slope − 1", ...cells(pool.triples.map((t) => t.residualSlope - 1))],
  ]);
  process.stdout.write(
    `${formatTable("Inheritance of i's update by c, per pool (quantiles)", ["pool", "triples", "test", "5 %", "10 %", "50 %", "90 %", "95 %"], poolRows).join("\n")}\n\n`,
  );
  // The siblings a distance can hang under i, with the chains' 5th percentile of each test: those at or above it read like a chain.
  const [chains, , near] = pools;
  const [ratioFloor] = quantiles(chains!.triples.map((t) => t.ratio));
  const [deficitFloor] = quantiles(chains!.triples.map((t) => t.signDeficit));
  const nearRows = near!.triples.map((t) => [
    t.benchmark,
    `${t.b} → {${t.i}, ${t.c}}`,
    Number(t.ratio.toFixed(3)),
    Number(t.signDeficit.toFixed(3)),
    Number(t.residualSlope.toFixed(3)),
    ratioFloor !== undefined && deficitFloor !== undefined && t.ratio >= ratioFloor && t.signDeficit >= deficitFloor ? "like a chain" : "",
  ]);
  const floors =
    ratioFloor === undefined || deficitFloor === undefined ? "none: no chain was read" : `ratio ${ratioFloor.toFixed(3)}, deficit ${deficitFloor.toFixed(3)}`;
  process.stdout.write(
    `${formatTable(`Siblings nearer i than b (chains' 5th percentiles: ${floors})`, ["benchmark", "siblings (c as i's child)", "ratio", "sign deficit", "residual slope", "both tests"], nearRows).join("\n")}\n`,
  );
  // True chains whose child lies nearer its grandparent than its parent does: no distance hangs them below the parent.
  const behind = chains!.triples.filter((t) => t.backStep < 0);
  process.stdout.write(
    `\n${formatTable(
      `True chains whose child is nearer its grandparent than its parent is (back step < 0): ${behind.length} of ${chains!.triples.length}`,
      ["benchmark", "chain b → i → c", "back step", "ratio"],
      behind.map((t) => [t.benchmark, `${t.b} → ${t.i} → ${t.c}`, Number(t.backStep.toFixed(3)), Number(t.ratio.toFixed(3))]),
    ).join("\n")}\n`,
  );
  const dataDir = join(options.reports, "data", "triple-inheritance");
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(join(dataDir, "results.json"), `${JSON.stringify({ rows }, null, 1)}\n`);
}

await runExperiment(program, main);
