#!/usr/bin/env bun
/**
 * The direction leaderboard (issue #13 item 5): every direction rule of src/direction/ (and
 * recovery's default policy) × every benchmark of src/harness/direction/benchmarks.ts, read from
 * the artefact cache — it trains nothing:
 *
 *   1. load      each benchmark's models and truth (missing ones are listed with the command that makes them)
 *   2. prepare   each true tree once (layer pass, D, spectra), cached
 *   3. score     directed accuracy and orientation agreement, stage labels given and no flags, cached per (rule, benchmark)
 *   4. pool      pooled scores, leave-one-family-out selection, the paragraph on the default
 *   5. report    reports/direction-leaderboard.html + the same tables on the terminal
 *
 * Usage: bun run experiments/direction-leaderboard.ts [--benchmarks a,b] [--reports DIR] [--cache DIR]
 */
import { InvalidArgumentError } from "commander";
import { join } from "node:path";
import { ArtifactStore } from "../src/harness/artifact-store.ts";
import { DIRECTION_BENCHMARKS } from "../src/harness/direction/benchmarks.ts";
import { leaderboardPage } from "../src/harness/direction/report-direction-leaderboard.ts";
import { runLeaderboard } from "../src/harness/direction/run-leaderboard.ts";
import { experimentCommand, publishReport, runExperiment, type CommonCliOptions } from "../src/harness/experiment-cli.ts";
import { writeFileAtomic } from "../src/io/write-file-atomic.ts";

interface Options extends CommonCliOptions {
  readonly benchmarks?: string[];
}

function benchmarkList(value: string): string[] {
  const names = value.split(",").map((s) => s.trim());
  for (const name of names) {
    if (!DIRECTION_BENCHMARKS.some((b) => b.name === name)) {
      throw new InvalidArgumentError(`unknown benchmark '${name}' (choose from ${DIRECTION_BENCHMARKS.map((b) => b.name).join(", ")})`);
    }
  }
  return names;
}

const program = experimentCommand(
  "direction-leaderboard",
  "Every direction rule on every benchmark in the cache: directed accuracy and orientation agreement",
  {
    cache: "artefact cache holding the benchmarks' models (trains nothing)",
  },
).option("--benchmarks <list>", "comma-separated benchmarks (default: all)", benchmarkList);

async function main(options: Options): Promise<void> {
  const started = performance.now();
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => performance.now() });
  const benchmarks = options.benchmarks ? DIRECTION_BENCHMARKS.filter((b) => options.benchmarks!.includes(b.name)) : DIRECTION_BENCHMARKS;
  const results = await runLeaderboard(benchmarks, { cache: options.cache, store, log: (line) => process.stderr.write(`[leaderboard] ${line}\n`) });
  const dataDir = join(options.reports, "data", "direction-leaderboard");
  await writeFileAtomic(join(dataDir, "cells.json"), `${JSON.stringify({ cells: results.cells, selection: results.selection }, null, 1)}\n`);
  await publishReport(options.reports, leaderboardPage(results), dataDir, started);
}

await runExperiment(program, main);
