/**
 * The leaderboard end to end, after the settings (experiments/direction-leaderboard.ts):
 *
 *   1. load      every benchmark from the artefact cache (missing ones are listed with their command)
 *   2. prepare   each true tree once: layer pass, D, spectra (board-tree.ts, cached)
 *   3. score     every entry × benchmark (leaderboard.ts, cached per cell)
 *   4. pool      pooled scores, leave-one-family-out selection, the default's paragraph
 */
import type { ArtifactStore } from "../artifact-store.ts";
import type { DirectionBenchmark } from "./benchmark.ts";
import { boardTrees } from "./board-tree.ts";
import { defaultNote } from "./default-note.ts";
import { boardCells, boardRows, pooledScores, selectionOutOfSample, type BoardBenchmark } from "./leaderboard.ts";
import type { LeaderboardResults } from "./report-direction-leaderboard.ts";

/** Runs steps 1–4 over `benchmarks`; `log` gets one line per benchmark. */
export async function runLeaderboard(
  benchmarks: readonly DirectionBenchmark[],
  options: { readonly cache: string; readonly store: ArtifactStore; readonly log: (line: string) => void },
): Promise<LeaderboardResults> {
  const prepared: BoardBenchmark[] = [];
  const missing: LeaderboardResults["missing"][number][] = [];
  for (const benchmark of benchmarks) {
    const loaded = await benchmark.load(options.cache);
    if ("missing" in loaded) {
      missing.push({ name: benchmark.name, why: loaded.missing, produce: benchmark.produce });
      options.log(`${benchmark.name}: not in the cache (${loaded.missing}); run ${benchmark.produce}`);
      continue;
    }
    const started = performance.now();
    const { trees, key } = await boardTrees(benchmark.name, loaded, options.store);
    options.log(`${benchmark.name}: ${trees.length} trees, ${loaded.truth.edges.length} edges (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    prepared.push({ name: benchmark.name, family: benchmark.family, domain: benchmark.domain, trees, key });
  }
  const rows = boardRows(prepared);
  const cells = await boardCells(prepared, rows, options.store);
  const pooledAuto = pooledScores(prepared, cells, false);
  const selection = selectionOutOfSample(prepared, cells);
  return {
    benchmarks: prepared,
    missing,
    rows,
    cells,
    pooledAuto,
    pooledLabels: pooledScores(prepared, cells, true),
    selection,
    defaultNote: defaultNote(pooledAuto, selection, cells),
  };
}
