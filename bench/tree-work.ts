/**
 * The exact per-tree work of `mother recover <set>` at scale (src/index/recover-tree-job.ts), in
 * one thread: N trees of a generated set (bench/scale-set.ts), each as the tree pool runs it —
 * its files held (its known layers' bytes left unread), its models opened from them, then
 * recoverModels taking the known layers from the fingerprints. Prints the CPU time per tree
 * (user + system, process.cpuUsage) over `--rounds` rounds, and writes the trees' results as
 * JSON (`--out`) so two versions of the code can be compared byte for byte.
 *
 *   1. the set's truth trees (the related components equal them: clustering 1.0), members by path;
 *   2. every tree's models located and fingerprinted (not timed: `mother recover` fingerprints them
 *      first), its job made as `mother recover` makes it (treeJobOf: locations, known layers);
 *      `--no-known` leaves the known layers out (every layer read by the tree, as before session 12);
 *   3. one warm-up tree, then the N trees `--rounds` times, CPU time of each round.
 *
 * `--cold`: as the tree thread of `mother recover` meets them — the fingerprints made by a worker
 * thread (as the main thread makes them there), so no tree code has run on this thread; no warm-up,
 * one round of every tree of the set (`--trees` ignored), this thread's CPU time (the JIT's threads
 * not counted).
 *
 * Usage: bun run bench/tree-work.ts [--set /work/scale-data/set-1000] [--trees 50] [--rounds 3] [--out trees.json] [--cold]
 * For a before/after: `git archive main | tar -x -C /tmp/before`, link its node_modules and .cache,
 * and run this same file from both checkouts, interleaved, under `flock /work/heavy.lock`.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { locateModels } from "../src/io/discover-models.ts";
import { fingerprintLocated } from "../src/index/fingerprint-batch.ts";
import { type TreeJob, treeJobOf } from "../src/index/recover-tree-job.ts";
import { TreePool } from "../src/index/tree-pool.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../src/recover/options.ts";

const { values: args } = parseArgs({
  options: {
    set: { type: "string", default: "/work/scale-data/set-1000" },
    trees: { type: "string", default: "50" },
    rounds: { type: "string", default: "3" },
    out: { type: "string" },
    "no-known": { type: "boolean", default: false },
    cold: { type: "boolean", default: false },
  },
});
const set = args.set!;
const treeCount = Number(args.trees);

// 1. The truth trees.
const truth = (await Bun.file(`${set}.truth.json`).json()) as { models: { id: string; tree: string }[] };
const byTree = new Map<string, string[]>();
for (const { id, tree } of truth.models) byTree.set(tree, [...(byTree.get(tree) ?? []), join(set, id)]);
const trees = [...byTree.values()].map((paths) => paths.sort()).slice(0, args.cold ? undefined : treeCount + 1);
const options = { ...DEFAULT_RECOVER_OPTIONS, cacheFolder: undefined };

// 2. Their models, located and fingerprinted (by a worker with --cold); the jobs as `mother recover` makes them.
const fingerprinter = args.cold ? new TreePool(1, options) : undefined;
const jobs: TreeJob[] = [];
for (const paths of trees) {
  const located = (await Promise.all(paths.map(locateModels))).flat();
  const { fingerprints } = await (fingerprinter ? fingerprinter.fingerprintLocated(located) : fingerprintLocated(located));
  const members = args["no-known"] ? fingerprints.map(({ known: _, ...rest }) => rest) : fingerprints;
  jobs.push(treeJobOf(members, new Map(located.map((location, i) => [fingerprints[i]!.path, location]))));
}

fingerprinter?.close();
// Loaded now: with --cold, the first tree's code is loaded (and compiled) after the fingerprints, as in the tree thread.
const { recoverTreeJob } = await import("../src/index/recover-tree-job.ts");

// 3. Warm-up, then the rounds; with --cold every tree once, cold.
if (args.cold) {
  const start = process.threadCpuUsage();
  const results: unknown[] = [];
  for (const job of jobs) results.push(await recoverTreeJob(job, options));
  const used = process.threadCpuUsage(start);
  console.log(`${jobs.length} trees of ${set}, cold: this thread's CPU ${((used.user + used.system) / 1000).toFixed(0)} ms`);
  if (args.out) await Bun.write(args.out, JSON.stringify(results));
  process.exit(0);
}
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
