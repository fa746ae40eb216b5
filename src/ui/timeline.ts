/**
 * Phase timestamps of a run on standard error, when MOTHER_TIMELINE is set (docs/scale.md:
 * where the wall time of `mother recover` on a large set goes). One line per mark:
 *
 *   timeline   412.3 ms  main       cpu   180.2 ms  headers read (1000 models)
 *   timeline   655.0 ms  worker 1   cpu   402.7 ms  task 7 tree (20 models) 12.4 ms
 *
 * The second number is the CPU time the mark's thread has used so far (user + system): which
 * thread spends what, where wall times move with the machine's load.
 * Times are milliseconds since the process started, on every thread: the main thread puts
 * its start (performance.timeOrigin, epoch ms) into MOTHER_TIMELINE, which the worker pools
 * hand to their threads (workerEnv), whose own clocks start when they do. Off, a mark costs one
 * branch.
 */
/** The variable a relaunch (src/cli/jit-tier.ts) hands its start in, so the relaunched process counts from it. */
const RELAUNCHED_FROM = "MOTHER_TIMELINE_RELAUNCHED_FROM";

/** The process start in epoch milliseconds, or undefined when no timeline is asked for. */
const origin = ((): number | undefined => {
  const value = process.env.MOTHER_TIMELINE;
  const relaunchedFrom = Number(process.env[RELAUNCHED_FROM]);
  // Read once: the relaunched process's own children and threads are not relaunches.
  delete process.env[RELAUNCHED_FROM];
  if (value === undefined || value === "" || value === "0") return undefined;
  const given = Number(value);
  // A number past 2001 in epoch ms is the main thread's start, set below; anything else ("1") asks for a timeline.
  if (!Bun.isMainThread && Number.isFinite(given) && given > 1e12) return given;
  // A relaunched process counts from the first process's start: its timeline holds both starts.
  const start = Number.isFinite(relaunchedFrom) && relaunchedFrom > 1e12 ? relaunchedFrom : performance.timeOrigin;
  process.env.MOTHER_TIMELINE = String(start);
  return start;
})();

/** What a process relaunching itself adds to the new process's environment: its start, when a timeline is on. */
export function relaunchTimeline(): Record<string, string> {
  return origin === undefined ? {} : { [RELAUNCHED_FROM]: String(origin) };
}

/** The thread's name in marks; node:worker_threads (its threadId) is loaded only then: its import takes 3–8 ms, most of it node:stream. */
const thread =
  origin === undefined ? "" : Bun.isMainThread ? "main" : `worker ${(require("node:worker_threads") as typeof import("node:worker_threads")).threadId}`;

/** Whether marks are printed. */
export const timelineOn = origin !== undefined;

/** Milliseconds since the process started (0 when no timeline is asked for). */
export function timelineNow(): number {
  return origin === undefined ? 0 : performance.timeOrigin + performance.now() - origin;
}

/** Prints one mark (see the module comment); `write` is the output (tests pass a recorder). */
export function mark(what: string, write: (line: string) => void = (line) => process.stderr.write(line)): void {
  if (origin === undefined) return;
  const cpu = process.threadCpuUsage();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  write(`timeline ${timelineNow().toFixed(1).padStart(8)} ms  ${thread.padEnd(9)}  cpu ${cpuMs.toFixed(1).padStart(7)} ms  ${what}\n`);
}

/** The environment a worker thread starts with: this one's as it is now (Bun hands workers the process's start-up environment otherwise). */
export function workerEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
