/**
 * Where the start of a `mother recover` goes, side by side (issues #12 and #15: the fixed time
 * before the first layer or tree): each variant's run with MOTHER_TIMELINE=1, in rounds whose
 * order rotates (and reverses every other round: the run right after another process pays for
 * it, docs/gguf.md), then per variant the median wall and CPU time and the median of the time
 * each timeline mark first appears, on the main thread and on a worker thread.
 *
 *   per round: variant 1 ─► variant 2 ─► … (rotated) ─► graphs compared byte for byte
 *
 * A variant is this checkout, --baseline <checkout> (marks it lacks show as –), or this
 * checkout with environment variables (`--variant "all tiers:BUN_JSC_useDFGJIT=1"`): with one of
 * BUN_JSC_useDFGJIT / BUN_JSC_useFTLJIT preset, `mother` does not relaunch itself (jit-tier.ts),
 * so `=0` measures the tier without the relaunch's cost and `=1` the run with every tier.
 *
 * Usage: bun run bench/start-timeline.ts --set <path> [--rounds 10] [--baseline <checkout>]
 *        [--variant "name:VAR=value,VAR=value"]... [--cat]
 * --cat adds `cat` of the set's .gguf and .safetensors files as a variant (its wall time only).
 */
import { mkdtemp } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { codeSource } from "./code-source.ts";

const { values: args } = parseArgs({
  options: {
    set: { type: "string" },
    rounds: { type: "string", default: "10" },
    baseline: { type: "string" },
    variant: { type: "string", multiple: true, default: [] },
    cat: { type: "boolean", default: false },
  },
});
if (!args.set) throw new Error("--set <path> is required");
const set = resolve(args.set);

/** The marks reported, by the start of their text (the first of each per thread kind). */
const MARKS = [
  "relaunching",
  "command line modules loaded",
  "modules loaded",
  "listed",
  "headers read",
  "first tree handed out",
  "first task received",
  "recovered a tree",
  "layers read",
  "graph recovered",
  "done",
];

interface Variant {
  readonly name: string;
  readonly command: string[];
  readonly env: Record<string, string>;
  readonly graph: boolean;
}

const outputs = await mkdtemp(join(tmpdir(), "mother-start-"));
const mother = (root: string, name: string): string[] => [
  "bun",
  join(root, "src", "cli", "main.ts"),
  "recover",
  set,
  "--no-cache",
  "-q",
  "--out",
  join(outputs, `${name}.json`),
];
const here = resolve(import.meta.dir, "..");
const variants: Variant[] = [
  ...(args.cat
    ? [
        {
          name: "cat",
          command: ["sh", "-c", `find ${set} \\( -name '*.gguf' -o -name '*.safetensors' \\) -print0 | xargs -0 cat > /dev/null`],
          env: {},
          graph: false,
        },
      ]
    : []),
  ...(args.baseline ? [{ name: "baseline", command: mother(resolve(args.baseline), "baseline"), env: {}, graph: true }] : []),
  { name: "this", command: mother(here, "this"), env: {}, graph: true },
  ...args.variant!.map((spec, i) => {
    const [name, assignments = ""] = spec.split(":");
    const env = Object.fromEntries(
      assignments
        .split(",")
        .filter(Boolean)
        .map((pair) => pair.split("=") as [string, string]),
    );
    return { name: name!, command: mother(here, `variant-${i}`), env, graph: true };
  }),
];

console.log(`code: this checkout's from its ${codeSource(here)}${args.baseline ? `; the baseline's from its ${codeSource(resolve(args.baseline))}` : ""}`);
const times = new Map<string, Map<string, number[]>>(variants.map((v) => [v.name, new Map()]));
const record = (variant: string, key: string, value: number) => {
  const series = times.get(variant)!;
  series.set(key, [...(series.get(key) ?? []), value]);
};
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
};
const MARK_LINE = /^timeline\s+([\d.]+) ms\s+(main|worker \d+)\s+cpu\s+[\d.]+ ms\s+(.*)$/;

const loads: number[] = [];
let differ = 0;
for (let round = 0; round < Number(args.rounds); round++) {
  loads.push(loadavg()[0]!);
  const rotated = variants.map((_, i) => variants[(i + round) % variants.length]!);
  for (const variant of round % 2 ? rotated.reverse() : rotated) {
    const started = performance.now();
    const run = Bun.spawnSync(variant.command, { env: { ...process.env, ...variant.env, MOTHER_TIMELINE: "1" }, stdout: "ignore", stderr: "pipe" });
    const wall = performance.now() - started;
    if (run.exitCode !== 0) throw new Error(`${variant.name} failed:\n${run.stderr.toString()}`);
    const usage = run.resourceUsage!;
    record(variant.name, "wall", wall);
    record(variant.name, "CPU", (Number(usage.cpuTime.user) + Number(usage.cpuTime.system)) / 1000);
    const seen = new Set<string>();
    for (const line of run.stderr.toString().split("\n")) {
      const match = MARK_LINE.exec(line);
      if (!match) continue;
      const thread = match[2] === "main" ? "main" : "worker";
      const mark = MARKS.find((name) => match[3]!.startsWith(name));
      if (mark === undefined || seen.has(`${thread}: ${mark}`)) continue;
      seen.add(`${thread}: ${mark}`);
      record(variant.name, `${thread}: ${mark}`, Number(match[1]));
    }
  }
  const graphs = await Promise.all(variants.filter((v) => v.graph).map((v) => Bun.file(v.command.at(-1)!).text()));
  if (!graphs.every((graph) => graph === graphs[0])) differ++;
}

console.log(
  `${set}: ${args.rounds} rounds, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}; medians in ms (marks: first time on that thread)`,
);
const keys = ["wall", "CPU", ...[...new Set(variants.flatMap((v) => [...times.get(v.name)!.keys()]))].filter((k) => k !== "wall" && k !== "CPU")];
console.log(`${"".padEnd(40)}${variants.map((v) => v.name.padStart(14)).join("")}`);
for (const key of keys) {
  const cells = variants.map((v) => {
    const series = times.get(v.name)!.get(key);
    return (series ? median(series).toFixed(1) : "–").padStart(14);
  });
  console.log(`${key.padEnd(40)}${cells.join("")}`);
}
console.log(differ === 0 ? "graphs identical in every round" : `graphs DIFFER in ${differ} rounds`);
if (differ > 0) process.exitCode = 1;
