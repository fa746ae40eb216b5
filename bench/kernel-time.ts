/**
 * Where a `mother recover` run's CPU goes between user space and the kernel, thread by thread, and
 * what the kernel's share is made of (issue #15: about a quarter of set-1000's ~1 s of CPU is system
 * time). Two runs of this checkout's `mother recover <set> --no-cache` under perf:
 *
 *   run 1: perf record -e cpu-clock -g ─► per thread: user and kernel time; the kernel's by entry
 *                                         (each system call by name, page faults, the rest)
 *   run 2: perf record, tracepoints    ─► per thread: page faults, madvise, futex, pread64, openat,
 *          (/proc/self/maps kept at       statx, getdents64 calls; page faults by the mapping they
 *           exit)                         land in; madvise by advice and mapping; refaults — faults
 *                                         on pages a madvise(MADV_DONTNEED) of some thread released
 *
 * Threads are named as the kernel knows them (their last 15 characters for JavaScriptCore's): the
 * main thread is marked, and a `bun (main)` beside `bun.exe (main)` is the process before it
 * relaunched itself (jit-tier.ts: execve keeps the thread, not its name).
 *
 * Usage: bun run bench/kernel-time.ts --set <path> [--env VAR=value]... [--frequency 4000]
 * Needs perf with kernel samples and tracepoints (root, or perf_event_paranoid ≤ 1 and a readable
 * tracefs). One run each: repeat it (under the shared lock) before trusting a difference.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { codeSource } from "./code-source.ts";

const { values: args } = parseArgs({
  options: {
    set: { type: "string" },
    env: { type: "string", multiple: true, default: [] },
    frequency: { type: "string", default: "4000" },
  },
});
if (!args.set) throw new Error("--set <path> is required");
const set = resolve(args.set);
const frequency = Number(args.frequency);
const extraEnv = Object.fromEntries(args.env!.map((pair) => pair.split("=", 2) as [string, string]));

/** The tracepoints counted in run 2: syscall entries by name, and user page faults. */
const SYSCALLS = ["madvise", "futex", "pread64", "openat", "statx", "getdents64"];
const TRACEPOINTS = [...SYSCALLS.map((name) => `syscalls:sys_enter_${name}`), "exceptions:page_fault_user"];

/** madvise's advice numbers (linux/mman.h) by name, for the ones JavaScriptCore, mimalloc and Bun use. */
const ADVICE: Record<number, string> = {
  0: "NORMAL",
  3: "WILLNEED",
  4: "DONTNEED",
  8: "FREE",
  10: "DONTFORK",
  11: "DOFORK",
  14: "HUGEPAGE",
  15: "NOHUGEPAGE",
  16: "DONTDUMP",
};
const DONTNEED = 4;
/** A DONTNEED longer than this releases a reservation (mostly untouched pages), not a working set: not tracked for refaults. */
const TRACKED_RELEASE_BYTES = 64 * 1024 * 1024;
const PAGE_SHIFT = 12;

const here = resolve(import.meta.dir, "..");
const work = await mkdtemp(join(tmpdir(), "mother-kernel-time-"));
const mapsFile = join(work, "maps.txt");
// Kept at exit by the process that ran the command (BUN_OPTIONS' preload survives the relaunch's execve).
await writeFile(join(work, "keep-maps.js"), `process.on("exit", () => require("node:fs").copyFileSync("/proc/self/maps", ${JSON.stringify(mapsFile)}));\n`);
const command = ["bun", join(here, "src", "cli", "main.ts"), "recover", set, "--no-cache", "-q", "--out", join(work, "graph.json")];
const env = { ...process.env, ...extraEnv };

/** Runs `perf` with `options` around the command (stdout and stderr kept for a failure's message) and returns `perf script`'s text with `fields`. */
function perfRun(options: string[], fields: string, runEnv: Record<string, string | undefined>): string {
  const data = join(work, "perf.data");
  let recorded: ReturnType<typeof Bun.spawnSync>;
  try {
    recorded = Bun.spawnSync(["perf", "record", "-q", "-o", data, ...options, "--", ...command], { env: runEnv, stdout: "pipe", stderr: "pipe" });
  } catch (error) {
    throw new Error(`perf could not be started (${(error as Error).message}): install linux-perf`);
  }
  if (recorded.exitCode !== 0) {
    throw new Error(`perf record failed (exit ${recorded.exitCode}): ${String(recorded.stderr).trim().split("\n").slice(-3).join(" | ")}`);
  }
  const script = Bun.spawnSync(["perf", "script", "-i", data, "-F", fields], { stdout: "pipe", stderr: "ignore", maxBuffer: 1 << 30 });
  return script.stdout.toString();
}

/** "comm pid/tid" at the start of a perf script record, as a thread's label. */
const HEAD = /^\s*(.+?)\s+(\d+)\/(\d+)\s/;
function threadOf(match: RegExpExecArray): string {
  return match[2] === match[3] ? `${match[1]} (main)` : match[1]!;
}

class Tally<K> extends Map<K, number> {
  add(key: K, by = 1): void {
    this.set(key, (this.get(key) ?? 0) + by);
  }
  top(count: number): [K, number][] {
    return [...this].sort((a, b) => b[1] - a[1]).slice(0, count);
  }
}
const ms = (samples: number) => ((samples * 1000) / frequency).toFixed(1);

console.log(
  `code: this checkout's from its ${codeSource(here)}; set ${set}; load ${loadavg()[0]!.toFixed(2)}${args.env!.length ? `; env ${args.env!.join(" ")}` : ""}`,
);

// 1. CPU samples: user or kernel by the top frame; the kernel's entry by the outermost syscall or fault frame.
const sampled = perfRun(["-e", "cpu-clock", "-F", String(frequency), "-g"], "comm,pid,tid,ip,sym,dso", env);
const user = new Tally<string>();
const kernel = new Tally<string>();
const entries = new Tally<string>();
for (const record of sampled.split("\n\n")) {
  const lines = record.split("\n").filter((line) => line.trim());
  const head = HEAD.exec(lines[0] ?? "");
  if (!head) continue;
  const thread = threadOf(head);
  const frames = lines.slice(1).map((line) => line.trim().split(/\s+/)[1] ?? "");
  if (!(lines[1] ?? "").includes("[kernel.kallsyms]")) {
    user.add(thread);
    continue;
  }
  kernel.add(thread);
  // The outermost of the call chain's entries (a fault taken inside a system call counts as the call).
  const entry = [...frames].reverse().find((symbol) => /^__(x64|do)_sys_/.test(symbol) || symbol === "exc_page_fault");
  entries.add(`${thread}: ${entry === undefined ? "other" : entry === "exc_page_fault" ? "page faults" : entry.replace(/^__(x64|do)_sys_/, "")}`);
}
const threads = [...new Set([...user.keys(), ...kernel.keys()])].sort(
  (a, b) => (user.get(b) ?? 0) + (kernel.get(b) ?? 0) - (user.get(a) ?? 0) - (kernel.get(a) ?? 0),
);
const totalUser = [...user.values()].reduce((a, b) => a + b, 0);
const totalKernel = [...kernel.values()].reduce((a, b) => a + b, 0);
console.log(`\nrun 1 (cpu-clock at ${frequency} Hz): user ${ms(totalUser)} ms, kernel ${ms(totalKernel)} ms`);
for (const thread of threads)
  console.log(`  ${thread.padEnd(24)} user ${ms(user.get(thread) ?? 0).padStart(7)} ms   kernel ${ms(kernel.get(thread) ?? 0).padStart(7)} ms`);
console.log("  kernel time by entry (≥ 1 ms):");
for (const [entry, samples] of entries.top(40)) if ((samples * 1000) / frequency >= 1) console.log(`    ${ms(samples).padStart(7)} ms  ${entry}`);

// 2. Tracepoints, with the mappings at exit.
const traced = perfRun(
  TRACEPOINTS.flatMap((event) => ["-e", event]),
  "comm,pid,tid,event,trace",
  { ...env, BUN_OPTIONS: `${env.BUN_OPTIONS ?? ""} --preload ${join(work, "keep-maps.js")}`.trim() },
);
interface Mapping {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}
const mappings: Mapping[] = (await readFile(mapsFile, "utf8"))
  .split("\n")
  .filter(Boolean)
  .map((line) => {
    const [range, perms, , , , path] = line.split(/\s+/);
    const [start, end] = range!.split("-").map((hex) => Number.parseInt(hex, 16));
    const size = end! - start!;
    const sized = size >= 1 << 20 ? `${Math.round(size / (1 << 20))} MB` : `${Math.round(size / 1024)} KB`;
    return { start: start!, end: end!, name: path ? basename(path) : `anon ${perms} ${sized}` };
  })
  .sort((a, b) => a.start - b.start);
function mappingOf(address: number): string {
  let low = 0;
  let high = mappings.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const m = mappings[mid]!;
    if (address < m.start) high = mid - 1;
    else if (address >= m.end) low = mid + 1;
    else return m.name;
  }
  return "unmapped at exit";
}
const calls = new Tally<string>();
const faults = new Tally<string>();
const advised = new Tally<string>();
const refaults = new Tally<string>();
/** Page number → the thread whose DONTNEED released it last, until a fault takes it back. */
const released = new Map<number, string>();
for (const line of traced.split("\n")) {
  const head = HEAD.exec(line);
  if (!head) continue;
  const thread = threadOf(head);
  const event = /(syscalls:sys_enter_\w+|exceptions:page_fault_user)/.exec(line)?.[1];
  if (event === undefined) continue;
  const name = event.replace("syscalls:sys_enter_", "").replace("exceptions:page_fault_user", "page faults");
  calls.add(`${thread}\t${name}`);
  if (name === "page faults") {
    const address = Number.parseInt(/address=(0x[0-9a-f]+)/.exec(line)?.[1] ?? "0", 16);
    faults.add(`${thread}: ${mappingOf(address)}`);
    const page = Math.floor(address / 2 ** PAGE_SHIFT);
    const by = released.get(page);
    if (by !== undefined) {
      refaults.add(`${thread} ← ${by}`);
      released.delete(page);
    }
  } else if (name === "madvise") {
    const match = /start: (0x[0-9a-f]+), len_in: (0x[0-9a-f]+), behavior: (0x[0-9a-f]+)/.exec(line);
    if (!match) continue;
    const start = Number.parseInt(match[1]!, 16);
    const length = Number.parseInt(match[2]!, 16);
    const advice = Number.parseInt(match[3]!, 16);
    advised.add(`${thread}: ${ADVICE[advice] ?? advice} in ${mappingOf(start)}`);
    if (advice === DONTNEED && length <= TRACKED_RELEASE_BYTES) {
      for (let page = Math.floor(start / 2 ** PAGE_SHIFT); page < Math.ceil((start + length) / 2 ** PAGE_SHIFT); page++) released.set(page, thread);
    }
  }
}
const names = ["page faults", ...SYSCALLS];
const counted = [...new Set([...calls.keys()].map((key) => key.split("\t")[0]!))];
const countOf = (thread: string, name: string) => calls.get(`${thread}\t${name}`) ?? 0;
counted.sort((a, b) => names.reduce((s, n) => s + countOf(b, n), 0) - names.reduce((s, n) => s + countOf(a, n), 0));
console.log(`\nrun 2 (tracepoints): calls per thread`);
console.log(`  ${"".padEnd(24)}${names.map((n) => n.padStart(12)).join("")}`);
for (const thread of counted) console.log(`  ${thread.padEnd(24)}${names.map((n) => String(countOf(thread, n)).padStart(12)).join("")}`);
console.log(`  ${"all".padEnd(24)}${names.map((n) => String(counted.reduce((s, t) => s + countOf(t, n), 0)).padStart(12)).join("")}`);
console.log("  page faults by thread and mapping (top 15):");
for (const [key, count] of faults.top(15)) console.log(`    ${String(count).padStart(7)}  ${key}`);
console.log("  madvise by thread, advice and mapping (top 12):");
for (const [key, count] of advised.top(12)) console.log(`    ${String(count).padStart(7)}  ${key}`);
const refaulted = [...refaults.values()].reduce((a, b) => a + b, 0);
console.log(`  refaults (faulting thread ← the thread whose DONTNEED released the page): ${refaulted} in all`);
for (const [key, count] of refaults.top(8)) console.log(`    ${String(count).padStart(7)}  ${key}`);
await rm(work, { recursive: true, force: true });
