/**
 * Runs the product's command line on a folder of models, as a user would
 * (`bun run mother recover <folder> --format json …`), and returns the graph it printed.
 * The experiments compare it with the library recovery: the CLI is what users run.
 */
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ModelGraph } from "../../types.ts";
import { recoverCommandFailed } from "../../messages.ts";

/** The project folder (where package.json defines the `mother` script). */
const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The command line that was run and the graph it printed. */
export interface CliRecovery {
  readonly command: string;
  readonly graph: ModelGraph;
}

/**
 * Runs `bun run mother recover <folder> --format json --quiet --no-cache <flags>` (no layer
 * cache: an experiment leaves nothing in the user's cache folder); throws with its stderr on failure.
 */
export async function recoverWithCli(folder: string, flags: readonly string[]): Promise<CliRecovery> {
  // The CLI runs in the project folder; name the models relative to it (absolute when outside).
  const absolute = resolve(folder);
  const fromRoot = relative(PROJECT_ROOT, absolute);
  const target = fromRoot.startsWith("..") ? absolute : fromRoot;
  const args = ["run", "mother", "recover", target, "--format", "json", "--quiet", "--no-cache", ...flags];
  const proc = Bun.spawn(["bun", ...args], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const command = `bun ${args.join(" ")}`;
  if (code !== 0) throw recoverCommandFailed(folder, code, stderr.trim().split("\n").at(-1) ?? "");
  return { command, graph: JSON.parse(stdout) as ModelGraph };
}

/** Edges of a graph as sorted "parent → child" strings, to compare two recoveries. */
export function edgeSet(graph: ModelGraph): string[] {
  return graph.edges.map((e) => `${e.parent} → ${e.child}`).sort();
}

/** The `mother recover` flags that reproduce recovery overrides (only the ones the CLI has). */
export function cliFlags(overrides: {
  stage?: string;
  trees?: number | "auto";
  distance?: string;
  ftDistance?: string;
  lambda?: number;
  score?: string;
}): string[] {
  const flags: string[] = [];
  if (overrides.stage !== undefined) flags.push("--stage", overrides.stage);
  if (overrides.trees !== undefined) flags.push("--trees", String(overrides.trees));
  if (overrides.distance !== undefined) flags.push("--distance", overrides.distance);
  if (overrides.ftDistance !== undefined) flags.push("--ft-distance", overrides.ftDistance);
  if (overrides.lambda !== undefined) flags.push("--lambda", String(overrides.lambda));
  if (overrides.score !== undefined) flags.push("--score", overrides.score);
  return flags;
}
