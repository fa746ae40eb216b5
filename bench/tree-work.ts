/**
 * The exact per-tree work of `mother recover <set>` at scale (src/index/recover-tree-job.ts), in
 * one thread: N trees of a generated set (bench/scale-set.ts), each as the tree pool runs it —
 * its files held, then recoverModels on its models as discovered. Prints the CPU time per tree
 * (user + system, process.cpuUsage) over `--rounds` rounds, and writes the trees' results as
 * JSON (`--out`) so two versions of the code can be compared byte for byte.
 *
 *   1. the set's truth trees (the related components equal them: clustering 1.0), members by path;
 *   2. every tree's models discovered (not timed: `mother recover` hands them over as discovered);
 *   3. one warm-up tree, then the N trees `--rounds` times, CPU time of each round.
 *
 * Usage: bun run bench/tree-work.ts [--set /work/scale-data/set-1000] [--trees 50] [--rounds 3] [--out trees.json]
 * For a before/after: `git archive main | tar -x -C /tmp/before`, link its node_modules and .cache,
 * and run this same file from both checkouts, interleaved, under `flock /work/heavy.lock`.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { discoverModels } from "../src/io/discover-models.ts";
import { recoverTreeJob, type TreeJob } from "../src/index/recover-tree-job.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../src/recover/options.ts";

const { values: args } = parseArgs({
  options: {
    set: { type: "string", default: "/work/scale-data/set-1000" },
    trees: { type: "string", default: "50" },
    rounds: { type: "string", default: "3" },
    out: { type: "string" },
  },
});
const set = args.set!;
const treeCount = Number(args.trees);

// 1. The truth trees.
const truth = (await Bun.file(`${set}.truth.json`).json()) as { models: { id: string; tree: string }[] };
const byTree = new Map<string, string[]>();
for (const { id, tree } of truth.models) byTree.set(tree, [...(byTree.get(tree) ?? []), join(set, id)]);
const trees = [...byTree.values()].map((paths) => paths.sort()).slice(0, treeCount + 1);

// 2. Their models, as discovered.
const jobs: TreeJob[] = [];
for (const paths of trees) {
  const models = await discoverModels(paths);
  const files = [...new Set(models.flatMap((m) => m.tensors.map((t) => t.file)))].map((file) => [file, statSync(file).size] as const);
  jobs.push({ paths, files, models });
}

// 3. Warm-up, then the rounds.
const options = { ...DEFAULT_RECOVER_OPTIONS, cacheFolder: undefined };
await recoverTreeJob(jobs[0]!, options);
const results: unknown[] = [];
const perTree: number[] = [];
for (let round = 0; round < Number(args.rounds); round++) {
  const start = process.cpuUsage();
  for (const job of jobs.slice(1)) {
    const tree = await recoverTreeJob(job, options);
    if (round === 0) results.push(tree);
  }
  const used = process.cpuUsage(start);
  perTree.push((used.user + used.system) / 1000 / (jobs.length - 1));
}
console.log(`${jobs.length - 1} trees of ${set}: CPU ms per tree ${perTree.map((ms) => ms.toFixed(2)).join(" / ")}`);
if (args.out) await Bun.write(args.out, JSON.stringify(results));
