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
 * `repeat` rounds of `cat <paths>` then every variant (in an order rotated each round), filling the variants' runs; returns cat's
 * wall and CPU seconds per round. `beforeEach` runs before every timed command (--cold: drop the
 * page cache; settlePageCache's `again`: keep it settled); without it the page cache is warmed by one
 * untimed cat first.
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
    // Rotated each round: the command right after `cat` ran ~0.1 s slower than the same command after another
    // recovery (an A/A run of one checkout against itself, docs/gguf.md), so no variant may always come first.
    for (const measured of variants.map((_, i) => variants[(i + r) % variants.length]!)) {
      await beforeEach?.();
      const run = await timeCommand(measured.command, measured.env);
      measured.runs.push(run.seconds);
      measured.cpu.push(run.cpuSeconds);
      measured.peakKb = Math.max(measured.peakKb, run.peakKb);
    }
  }
  return baseline;
}

/** Per file, the pages `fincore` counts in the page cache and the file's pages; undefined where fincore is missing. */
async function residency(paths: readonly string[]): Promise<{ resident: number; pages: number }[] | undefined> {
  try {
    const proc = Bun.spawn(["fincore", "--bytes", "--noheadings", "--output", "PAGES,SIZE", ...paths], { stdout: "pipe", stderr: "ignore" });
    const text = await new Response(proc.stdout).text();
    if ((await proc.exited) !== 0) return undefined;
    return text
      .trim()
      .split("\n")
      .map((line) => {
        const [resident, bytes] = line.trim().split(/\s+/).map(Number);
        return { resident: resident!, pages: Math.ceil(bytes! / 4096) };
      });
  } catch {
    return undefined;
  }
}

/** A page cache kept settled (settlePageCache): how many files were read back after the first time, and the residency last seen. */
export interface SettledCache {
  /** Settles the files again that lost pages since (evicted: this machine's DAMON reclaims idle page cache). */
  readonly again: () => Promise<void>;
  /** Files read back by `again` so far. */
  readonly reread: () => number;
  /** Pages of the files in the page cache at the last check, of all their pages (undefined without fincore). */
  readonly resident: () => { resident: number; pages: number } | undefined;
}

/**
 * Puts `paths` in the page cache the way one sequential read leaves them: each file's cached pages
 * dropped (`dd iflag=nocache count=0`: posix_fadvise DONTNEED, no root needed), then read back by
 * `cat`. On Linux ≥ 6.16 (ext4's large folios) that read fills the cache in 2 MB folios under
 * readahead, while a reader that jumps between tensors (mother's layer pass reading a cold file)
 * leaves mostly 4–64 KB ones, and `cat` of the same warm bytes then takes ~1.4× as long
 * (docs/gguf.md, "Timing against cat"). Whoever read the files in last decides `cat`'s speed, and so
 * every ratio; after this it is the fastest `cat` the files allow. `again()` (before each timed
 * command) settles once more the files that lost pages meanwhile, so no timed command reads from disk
 * or refills the cache its own way.
 */
export async function settlePageCache(paths: readonly string[]): Promise<SettledCache> {
  const settle = async (path: string) => {
    await timeCommand(["dd", `if=${path}`, "iflag=nocache", "count=0", "status=none"]);
    await timeCommand(["sh", "-c", `cat '${path}' > /dev/null`]);
  };
  for (const path of paths) await settle(path);
  let last = await residency(paths);
  let reread = 0;
  const total = () => last?.reduce((sum, file) => ({ resident: sum.resident + file.resident, pages: sum.pages + file.pages }), { resident: 0, pages: 0 });
  return {
    again: async () => {
      last = await residency(paths);
      const lost = paths.filter((_, i) => last !== undefined && last[i]!.resident < last[i]!.pages);
      for (const path of lost) await settle(path);
      reread += lost.length;
      if (lost.length > 0) last = await residency(paths);
    },
    reread: () => reread,
    resident: total,
  };
}
