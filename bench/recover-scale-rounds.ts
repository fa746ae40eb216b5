/**
 * `mother recover <set>` with default options against `cat` of the same files and, optionally,
 * another checkout of mother (before/after a change), in interleaved rounds (issue #15,
 * docs/scale.md). On a shared machine the load moves a run's time by 2–5×; timing the versions
 * one after another in each round, beside `cat`, keeps them comparable.
 *
 *   per round: cat (warm) ─► baseline's `mother recover <set>` ─► this checkout's ─► graphs compared byte for byte
 *
 * The two checkouts swap places every round: the command run right after `cat` was measured ~0.1 s
 * slower than the next one (an A/A run of one checkout against itself, docs/gguf.md), so a fixed
 * order would credit the second checkout with a gain it did not make.
 *
 * Each `mother` is its own process under /usr/bin/time (wall, user and system CPU, peak RSS), as
 * a user runs it; the load average is printed with every round. The sets are bench/scale-set.ts's
 * (built by bench/recover-scale.ts under --data).
 *
 * Usage: bun run bench/recover-scale-rounds.ts [--sizes 1000,10000] [--data /work/scale-data] [--rounds 4]
 *        [--baseline <checkout>]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { codeSource } from "./code-source.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000" },
    data: { type: "string", default: join(".cache", "bench", "scale") },
    rounds: { type: "string", default: "4" },
    baseline: { type: "string" },
  },
});

/** One timed process: wall seconds, CPU seconds (user + system), peak RSS in MB. */
interface Timed {
  readonly wall: number;
  readonly cpu: number;
  readonly peakMb: number;
}

async function timed(command: string[]): Promise<Timed> {
  const proc = Bun.spawn(["/usr/bin/time", "-f", "%e %U %S %M", ...command], { stdout: "ignore", stderr: "pipe" });
  const stderr = await new Response(proc.stderr).text();
  if ((await proc.exited) !== 0) throw new Error(`${command.join(" ")} failed:\n${stderr}`);
  const [wall, user, system, peak] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return { wall: wall!, cpu: user! + system!, peakMb: peak! / 1024 };
}

const checkouts = [...(args.baseline ? [{ name: "baseline", root: resolve(args.baseline) }] : []), { name: "this", root: resolve(import.meta.dir, "..") }];
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
};

for (const checkout of checkouts) console.log(`${checkout.name}: code from its ${codeSource(checkout.root)}`);
const outputs = await mkdtemp(join(tmpdir(), "mother-rounds-"));
for (const n of args.sizes!.split(",").map(Number)) {
  const set = resolve(args.data!, `set-${n}`);
  const cat = ["sh", "-c", `find ${set} -name '*.safetensors' -print0 | xargs -0 cat > /dev/null`];
  await timed(cat); // warm the page cache
  const runs = new Map<string, Timed[]>(checkouts.map((c) => [c.name, []]));
  const cats: number[] = [];
  for (let round = 1; round <= Number(args.rounds); round++) {
    const load = loadavg()[0]!.toFixed(1);
    cats.push((await timed(cat)).wall);
    const graphs: string[] = [];
    // Odd rounds in the listed order, even rounds reversed (see the header: who follows cat pays).
    for (const checkout of round % 2 === 1 ? checkouts : [...checkouts].reverse()) {
      const out = join(outputs, `${n}-${checkout.name}.json`);
      runs.get(checkout.name)!.push(await timed(["bun", join(checkout.root, "src", "cli", "main.ts"), "recover", set, "--no-cache", "-q", "--out", out]));
      graphs.push(await Bun.file(out).text());
    }
    const same = graphs.every((text) => text === graphs[0]);
    const shown = checkouts.map((c) => {
      const run = runs.get(c.name)!.at(-1)!;
      return `${c.name} ${run.wall.toFixed(2)} s (CPU ${run.cpu.toFixed(2)} s, ${Math.round(run.peakMb)} MB)`;
    });
    console.log(
      `set-${n} round ${round}, load ${load}: cat ${cats.at(-1)!.toFixed(2)} s | ${shown.join(" | ")}${checkouts.length > 1 ? ` | graphs ${same ? "identical" : "DIFFER"}` : ""}`,
    );
    if (!same) process.exitCode = 1;
  }
  const catMedian = median(cats);
  for (const checkout of checkouts) {
    const walls = runs.get(checkout.name)!.map((r) => r.wall);
    const cpus = runs.get(checkout.name)!.map((r) => r.cpu);
    console.log(
      `set-${n} ${checkout.name}: wall median ${median(walls).toFixed(2)} s (${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)}), ` +
        `${(median(walls) / catMedian).toFixed(1)}× cat's median ${catMedian.toFixed(2)} s; CPU median ${median(cpus).toFixed(2)} s`,
    );
  }
}
await rm(outputs, { recursive: true, force: true });
