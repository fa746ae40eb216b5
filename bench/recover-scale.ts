/**
 * Recovery at hub scale (issue #15, SPEC §9): generated collections of small ViT-like models
 * (bench/scale-set.ts: 0.33 MB each, trees of 20), from 100 up to 10,000 models.
 *
 *   per size n:
 *   1. build the set once (cached under --data, outside the repository) and its truth;
 *   2. warm the page cache, time `cat` of every weight file (the baseline);
 *   3. hold one model back, index the other n − 1 and recover them (a prepared index);
 *      put it back and time `mother index` (reads that model alone) and `mother recover --index`
 *      (recovers only its tree again): the one-model increment;
 *   4. a cold index of all n: time `mother index`, then `mother recover --index` with no tree
 *      recovered yet (cold) and again (warm: every tree unchanged); the increment's graph must
 *      equal the cold one;
 *   5. `mother recover` on the paths with default options (no index given): from 300 models on it
 *      fingerprints in memory first and recovers tree by tree (src/index/recover-at-scale.ts), below
 *      that it is the all-pairs layer pass; its graph must equal the cold index's from 300 on;
 *   6. print wall times, ratios to cat and peak RSS, edge and clustering accuracy against the
 *      truth, and the growth exponent fitted over the sizes (log wall against log n).
 *
 * Usage: bun run bench/recover-scale.ts [--sizes 100,1000,10000] [--data /work/scale-data] [--defaults-up-to N]
 * Every phase runs as its own `mother` process under /usr/bin/time, as a user would run it.
 */
import { cp, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { evaluateGraph } from "../src/recover/evaluate-graph.ts";
import type { ModelGraph } from "../src/types.ts";
import { SCALE_SET_DEFAULTS, scaleModelId, writeScaleSet } from "./scale-set.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "100,300,1000" },
    data: { type: "string", default: join(".cache", "bench", "scale") },
    "defaults-up-to": { type: "string", default: "1000000" },
  },
});
const sizes = args.sizes!.split(",").map(Number);
const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts");

interface Run {
  readonly seconds: number;
  readonly peakMb: number;
}

/** Wall seconds and peak RSS of one command (GNU time). */
async function timed(command: string[]): Promise<Run> {
  const proc = Bun.spawn(["/usr/bin/time", "-f", "%e %M", ...command], { stdout: "ignore", stderr: "pipe" });
  const stderr = await new Response(proc.stderr).text();
  if ((await proc.exited) !== 0) throw new Error(`${command.join(" ")} failed:\n${stderr}`);
  const [wall, peak] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return { seconds: wall!, peakMb: peak! / 1024 };
}

const mother = (...rest: string[]) => timed(["bun", MAIN, ...rest]);

async function readGraph(file: string): Promise<ModelGraph> {
  return JSON.parse(await Bun.file(file).text()) as ModelGraph;
}

/** A graph in a canonical order, for comparing runs. */
function canonical(graph: ModelGraph): string {
  const edges = graph.edges.map((e) => `${e.parent}>${e.child}:${e.distance}`).sort();
  const trees = graph.trees.map((t) => [...t].sort().join(",")).sort();
  return JSON.stringify({ edges, trees });
}

interface Row {
  n: number;
  gigabytes: number;
  cat: number;
  index: Run;
  cold: Run;
  warm: Run;
  addIndex: Run;
  addRecover: Run;
  sameAsCold: boolean;
  edges: number;
  clustering: number;
  /** `mother recover <set>`, default options (--no-cache: a first run), and whether its graph equals the cold index's. */
  defaults?: Run & { sameAsIndex: boolean; edges: number; clustering: number };
}

const rows: Row[] = [];
for (const n of sizes) {
  // 1. The set and its truth.
  const set = join(args.data!, `set-${n}`);
  await mkdir(args.data!, { recursive: true });
  console.error(`set of ${n}: building (once) …`);
  const truth = await writeScaleSet(set, { ...SCALE_SET_DEFAULTS, models: n });
  const folders = (await readdir(set)).filter((name) => name.startsWith("m")).sort();
  const files = folders.map((f) => join(set, f, "model.safetensors"));
  const bytes = (await Promise.all(files.map((f) => Bun.file(f).size))).reduce((a, b) => a + b, 0);

  // 2. cat, warm.
  const catCommand = ["sh", "-c", `find ${set} -name '*.safetensors' -print0 | xargs -0 cat > /dev/null`];
  await timed(catCommand);
  const cat = Math.min((await timed(catCommand)).seconds, (await timed(catCommand)).seconds);

  // 3. One model held back, then added.
  const work = join(args.data!, `work-${n}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const late = scaleModelId(Math.floor(n / 2) + 7);
  await rename(join(set, late), join(work, late));
  const grown = join(work, "grown-index");
  try {
    await mother("index", set, "--index", grown, "-q");
    await mother("recover", "--index", grown, "-q", "--out", join(work, "before.json"));
  } finally {
    await rename(join(work, late), join(set, late));
  }
  const addIndex = await mother("index", set, "--index", grown, "-q");
  const addRecover = await mother("recover", "--index", grown, "-q", "--out", join(work, "grown.json"));

  // 4. A cold index of all n, recovered cold, then warm.
  const fresh = join(work, "cold-index");
  const index = await mother("index", set, "--index", fresh, "-q");
  const cold = await mother("recover", "--index", fresh, "-q", "--out", join(work, "cold.json"));
  const warm = await mother("recover", "--index", fresh, "-q", "--out", join(work, "warm.json"));
  const coldGraph = await readGraph(join(work, "cold.json"));
  const sameAsCold = canonical(await readGraph(join(work, "grown.json"))) === canonical(coldGraph);
  const scores = evaluateGraph(coldGraph, truth);

  // 5. Default options, no index.
  let defaults: Row["defaults"];
  if (n <= Number(args["defaults-up-to"])) {
    const run = await mother("recover", set, "--no-cache", "-q", "--out", join(work, "defaults.json"));
    const graph = await readGraph(join(work, "defaults.json"));
    const score = evaluateGraph(graph, truth);
    defaults = { ...run, sameAsIndex: canonical(graph) === canonical(coldGraph), edges: score.edges.accuracy, clustering: score.clustering };
  }
  rows.push({
    n,
    gigabytes: bytes / 1e9,
    cat,
    index,
    cold,
    warm,
    addIndex,
    addRecover,
    sameAsCold,
    edges: scores.edges.accuracy,
    clustering: scores.clustering,
    defaults,
  });
  console.error(`set of ${n}: done`);
  await cp(join(work, "cold.json"), join(args.data!, `graph-${n}.json`));
  await rm(work, { recursive: true, force: true });
}

// 6. The table, and the growth exponents.
const ratio = (run: Run, cat: number) => `${run.seconds.toFixed(2)} s (${(run.seconds / cat).toFixed(1)}×, ${Math.round(run.peakMb)} MB)`;
console.log(
  "| models | GB | cat | index (cold) | recover --index (cold trees) | index + recover | recover (warm) | add one: index | add " +
    "one: recover | = cold | edges | clustering | `recover <set>`, defaults | = index | edges | clustering |",
);
console.log(`|${" --- |".repeat(16)}`);
for (const r of rows) {
  const total = r.index.seconds + r.cold.seconds;
  const d = r.defaults;
  console.log(
    `| ${r.n} | ${r.gigabytes.toFixed(2)} | ${r.cat.toFixed(2)} s | ${ratio(r.index, r.cat)} | ${ratio(r.cold, r.cat)} | ` +
      `${total.toFixed(2)} s (${(total / r.cat).toFixed(1)}×) | ` +
      `${ratio(r.warm, r.cat)} | ${r.addIndex.seconds.toFixed(2)} s | ${r.addRecover.seconds.toFixed(2)} s | ` +
      `${r.sameAsCold ? "yes" : "NO"} | ${r.edges.toFixed(3)} | ${r.clustering.toFixed(3)} | ` +
      (d ? `${ratio(d, r.cat)} | ${d.sameAsIndex ? "yes" : "no"} | ${d.edges.toFixed(3)} | ${d.clustering.toFixed(3)} |` : "– | – | – | – |"),
  );
}

/** Least-squares slope of log(y) against log(n). */
function exponent(points: readonly { n: number; y: number }[]): number {
  const xs = points.map((p) => Math.log(p.n));
  const ys = points.map((p) => Math.log(p.y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}
if (rows.length >= 2) {
  const fit = (pick: (r: Row) => number, from = 0) => exponent(rows.filter((r) => r.n >= from).map((r) => ({ n: r.n, y: pick(r) }))).toFixed(2);
  const big = rows.filter((r) => r.n >= 1000).length >= 2 ? 1000 : 0;
  console.log(
    `\ngrowth exponent of wall time (log-log fit over ${big ? "n ≥ 1000" : "all sizes"}): index ${fit((r) => r.index.seconds, big)}, ` +
      `recover --index ${fit((r) => r.cold.seconds, big)}, index + recover ${fit((r) => r.index.seconds + r.cold.seconds, big)}, cat ` +
      `${fit((r) => r.cat, big)}` +
      (rows.every((r) => r.defaults) ? `, recover <set> with defaults ${fit((r) => r.defaults!.seconds, big)}` : "") +
      `; peak RSS ${fit((r) => Math.max(r.index.peakMb, r.cold.peakMb, r.defaults?.peakMb ?? 0), big)}`,
  );
}
