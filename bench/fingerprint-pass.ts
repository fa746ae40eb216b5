/**
 * The fingerprint pass of `mother recover <set>` at scale in one thread (src/index/fingerprint-batch.ts,
 * fingerprintLocated): every located model of a generated set (bench/scale-set.ts) opened and
 * fingerprinted in batches of 32, as a tree thread does, `--rounds` times. Prints each round's
 * wall and CPU time (this thread's, process.threadCpuUsage); the first round carries the JIT's
 * warm-up (and page-cache misses on a cold set).
 *
 * Usage: BUN_JSC_useFTLJIT=0 bun run bench/fingerprint-pass.ts [--set /work/scale-data/set-1000] [--rounds 3]
 * (FTL off as `mother recover` runs a large set.) For a before/after, run this file from both
 * checkouts, interleaved, under `flock /work/heavy.lock`.
 */
import { parseArgs } from "node:util";
import { locateModels, sortedLocations } from "../src/io/discover-models.ts";
import { fingerprintLocated } from "../src/index/fingerprint-batch.ts";
import { MODELS_PER_MESSAGE } from "../src/index/fingerprint-pool.ts";

const { values: args } = parseArgs({
  options: {
    set: { type: "string", default: "/work/scale-data/set-1000" },
    rounds: { type: "string", default: "3" },
  },
});

const located = sortedLocations(await locateModels(args.set!));
for (let round = 1; round <= Number(args.rounds); round++) {
  const [cpu, wall] = [process.threadCpuUsage(), performance.now()];
  for (let first = 0; first < located.length; first += MODELS_PER_MESSAGE) await fingerprintLocated(located.slice(first, first + MODELS_PER_MESSAGE));
  const used = process.threadCpuUsage(cpu);
  console.log(
    `round ${round}: ${located.length} models, ${(performance.now() - wall).toFixed(1)} ms wall, ${((used.user + used.system) / 1000).toFixed(1)} ms CPU`,
  );
}
