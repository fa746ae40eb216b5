/**
 * Where a checkout's `mother` loads its code from: its prebuilt bundle (src/cli/prebuilt.ts, built
 * by `bun install` or `bun run src/cli/build-prebuilt.ts`) or its TypeScript sources, ~0.02–0.04 s
 * slower to start. Benches print it beside each checkout they time, so a before/after says whether
 * it compares bundle with sources (a checkout edited since its bundle was built runs its sources).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

/** "prebuilt bundle" or "sources" (with how to build the bundle) for the checkout at `root`, asked of its own code in a child. */
export function codeSource(root: string): string {
  const loader = resolve(root, "src", "cli", "prebuilt.ts");
  if (!existsSync(loader)) return "sources (a checkout before the prebuilt bundle)";
  const asked = Bun.spawnSync(["bun", "-e", `console.log((await import(${JSON.stringify(loader)})).freshPrebuilt() ? "fresh" : "none")`], {
    stdout: "pipe",
    stderr: "ignore",
  });
  return asked.stdout.toString().trim() === "fresh" ? "prebuilt bundle" : `sources (no fresh bundle: bun run ${resolve(root, "src/cli/build-prebuilt.ts")})`;
}
