/**
 * Runs an experiment script as its user would (a separate `bun` process) and collects its
 * output; the experiment tests use it on the shared quick cache.
 */
import { join } from "node:path";

/** Repository root (experiments/ and .cache/ live here). */
export const REPOSITORY_ROOT = join(import.meta.dir, "../../..");

/** The cache every experiment test shares, so the VTHR --quick models are trained once per run. */
export const TEST_QUICK_CACHE = join(REPOSITORY_ROOT, ".cache", "test-quick");

export interface ScriptRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `bun experiments/<name>.ts ...args` from the repository root. */
export async function spawnExperiment(name: string, args: readonly string[]): Promise<ScriptRun> {
  const proc = Bun.spawn(["bun", join(REPOSITORY_ROOT, "experiments", `${name}.ts`), ...args], { cwd: REPOSITORY_ROOT, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, stdout, stderr };
}

/**
 * The numbers of the first terminal table row whose leading cells are `cells` (in order),
 * read after the last of them, e.g. tableRow(out, ["FT, ℓ_FT", "all trees"]).
 */
export function tableRow(stdout: string, cells: readonly string[]): number[] {
  for (const line of stdout.split("\n")) {
    let at = 0;
    let matched = true;
    for (const [k, cell] of cells.entries()) {
      const found = line.indexOf(cell, at);
      if (found < 0 || (k === 0 && found !== 0) || line.slice(at, found).trim() !== "") {
        matched = false;
        break;
      }
      at = found + cell.length;
    }
    if (matched) return (line.slice(at).match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []).map(Number);
  }
  throw new Error(`no table row starts with ${JSON.stringify(cells)}`);
}
