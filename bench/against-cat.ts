/**
 * Timing `mother` against `cat` of the same files (SPEC §6's budget is a ratio to reading the
 * bytes): each command runs as its own process under /usr/bin/time for wall, CPU and peak RSS,
 * and the baseline and the measured runs alternate, so drift on a shared machine hits all.
 */

/** One run's wall seconds, CPU seconds (user + system, all threads) and peak RSS. */
export interface Timed {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakKb: number;
}

/** Runs `command` under /usr/bin/time (stdout ignored); throws with its stderr when it fails. */
export async function timeCommand(command: string[], env: Record<string, string> = {}): Promise<Timed> {
  const proc = Bun.spawn(["/usr/bin/time", "-f", "%e %U %S %M", ...command], { stdout: "ignore", stderr: "pipe", env: { ...process.env, ...env } });
  const stderr = await new Response(proc.stderr).text();
  if ((await proc.exited) !== 0) throw new Error(`${command.join(" ")} failed:\n${stderr}`);
  const [wall, user, system, peak] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return { seconds: wall!, cpuSeconds: user! + system!, peakKb: peak! };
}

/** The median (the upper one for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A command timed against cat, and its runs so far. */
export interface Variant {
  readonly command: string[];
  readonly env?: Record<string, string>;
  readonly runs: number[];
  readonly cpu: number[];
  peakKb: number;
}

/** A variant with no runs yet. */
export function variant(command: string[], env?: Record<string, string>): Variant {
  return { command, env, runs: [], cpu: [], peakKb: 0 };
}

/**
 * `repeat` rounds of `cat <paths>` then every variant, filling the variants' runs; returns cat's
 * wall and CPU seconds per round. `beforeEach` runs before every timed command (--cold: drop the
 * page cache); without it the page cache is warmed by one untimed cat first.
 */
export async function timeAgainstCat(
  paths: readonly string[],
  variants: readonly Variant[],
  repeat: number,
  beforeEach?: () => Promise<void>,
): Promise<{ runs: number[]; cpu: number[] }> {
  const cat = ["sh", "-c", `cat ${paths.join(" ")} > /dev/null`];
  if (!beforeEach) await timeCommand(cat);
  const baseline = { runs: [] as number[], cpu: [] as number[] };
  for (let r = 0; r < repeat; r++) {
    await beforeEach?.();
    const run = await timeCommand(cat);
    baseline.runs.push(run.seconds);
    baseline.cpu.push(run.cpuSeconds);
    for (const measured of variants) {
      await beforeEach?.();
      const run = await timeCommand(measured.command, measured.env);
      measured.runs.push(run.seconds);
      measured.cpu.push(run.cpuSeconds);
      measured.peakKb = Math.max(measured.peakKb, run.peakKb);
    }
  }
  return baseline;
}
