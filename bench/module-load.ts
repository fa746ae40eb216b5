/**
 * What a module costs to load in a fresh process, from its TypeScript sources and as the prebuilt
 * bundle builds it (CommonJS with bytecode, packages from node_modules; src/cli/build-prebuilt.ts),
 * and what the bundle's freshness check costs (docs/gguf.md "A prebuilt bundle"; src/cli/prebuilt.ts).
 *
 *   1. each module (`--module`, relative to src/; by default recover/recover.ts, the recovery, and
 *      recover/pool-task.ts, what a layer thread's pool-worker.ts loads) bundled alone into a
 *      temporary folder with build-prebuilt.ts's settings;
 *   2. `--runs` rounds (even), each a fresh `bun` process per module and way, sources and bundle
 *      in turn, the order swapped every round: the ms its `import()` or `require()` took;
 *   3. the same number of fresh processes timing freshPrebuilt() (which hashes every source the
 *      checkout's bundle was built from), when the checkout has a fresh bundle.
 *
 * Usage: flock /work/heavy.lock bun run bench/module-load.ts [--runs 10] [--module recover/recover.ts]...
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

/** The checkout measured: this bench's own (src/cli is asked in children only: nothing imports the command line). */
const PACKAGE_ROOT = join(import.meta.dir, "..");

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    module: { type: "string", multiple: true, default: ["recover/recover.ts", "recover/pool-task.ts"] },
  },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 2 || runs % 2 !== 0) throw new Error(`--runs ${args.runs}: an even count ≥ 2`);

/** What the script prints in a fresh bun process, as a number. */
function printed(script: string): number {
  const child = Bun.spawnSync(["bun", "-e", script], { cwd: PACKAGE_ROOT, stdout: "pipe", stderr: "pipe" });
  if (child.exitCode !== 0) throw new Error(`bun -e failed: ${child.stderr.toString().trim()}`);
  return Number(child.stdout.toString().trim());
}

/** ms the statement `work` takes in a fresh bun process, after `setup` (untimed). */
const timed = (work: string, setup = "") => printed(`${setup}; const t = performance.now(); ${work}; console.log(performance.now() - t);`);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length / 2 - 1]!;
const show = (values: number[]) => `${median(values).toFixed(1)} ms (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`;

// 1. Each module bundled alone as build-prebuilt.ts bundles (packages external here: the module's cost, not commander's).
const { dependencies = {}, devDependencies = {} } = (await Bun.file(join(PACKAGE_ROOT, "package.json")).json()) as Record<string, Record<string, string>>;
const folder = await mkdtemp(join(tmpdir(), "mother-module-load-"));
try {
  console.log(`${runs} fresh processes per module and way, order swapped every round; load average at start ${loadavg()[0]!.toFixed(2)}`);
  for (const module of args.module!) {
    const source = join(PACKAGE_ROOT, "src", module);
    const outdir = join(folder, module.replaceAll("/", "_"));
    const built = await Bun.build({
      entrypoints: [source],
      outdir,
      target: "bun",
      format: "cjs",
      bytecode: true,
      external: Object.keys({ ...dependencies, ...devDependencies }),
    });
    if (!built.success) throw new Error(built.logs.map(String).join("\n"));
    const bundle = built.outputs.find((output) => output.kind === "entry-point")!.path;
    // 2. Alternating fresh processes.
    const ways = { sources: `await import(${JSON.stringify(source)})`, bundle: `require(${JSON.stringify(bundle)})` };
    const times: Record<keyof typeof ways, number[]> = { sources: [], bundle: [] };
    for (let round = 0; round < runs; round++) {
      const order: (keyof typeof ways)[] = round % 2 === 0 ? ["sources", "bundle"] : ["bundle", "sources"];
      for (const way of order) times[way].push(timed(ways[way]));
    }
    console.log(`${module}: sources ${show(times.sources)}, bundle ${show(times.bundle)}`);
  }
  // 3. The freshness check of this checkout's bundle.
  const setup = `const { freshPrebuilt } = await import(${JSON.stringify(join(PACKAGE_ROOT, "src", "cli", "prebuilt.ts"))})`;
  const files = printed(`${setup}; const fresh = freshPrebuilt(); console.log(fresh ? Object.keys(fresh.manifest.sources).length : 0)`);
  if (files > 0) {
    const checks = Array.from({ length: runs }, () => timed("freshPrebuilt()", setup));
    console.log(`freshPrebuilt() over its ${files} files: ${show(checks)}`);
  } else {
    console.log("freshPrebuilt(): no fresh bundle in this checkout (bun run src/cli/build-prebuilt.ts)");
  }
  console.log(`load average at end ${loadavg()[0]!.toFixed(2)}`);
} finally {
  await rm(folder, { recursive: true, force: true });
}
