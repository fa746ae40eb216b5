/**
 * Test helpers for the fault-injection suite: the CLI as a real process, and a fingerprint of
 * every file under a folder, so a test can assert that nothing the user owns changed.
 */
import { readdir, readFile, lstat, readlink } from "node:fs/promises";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "../../src/cli/main.ts");

/** Runs `bun src/cli/main.ts ...args`; the default layer cache goes under `cacheHome`. */
export async function runMother(args: readonly string[], options: { cacheHome: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = spawnMother(args, options);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, stdout, stderr };
}

/** The CLI process itself, for tests that kill it. */
export function spawnMother(args: readonly string[], options: { cacheHome: string }) {
  return Bun.spawn(["bun", MAIN, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, XDG_CACHE_HOME: options.cacheHome } });
}

/** Relative path → SHA-256 of every file (symlink → its target) under `folder`, sorted by path. */
export async function hashTree(folder: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const name of ((await readdir(folder, { recursive: true })) as string[]).sort()) {
    const path = join(folder, name);
    const info = await lstat(path);
    if (info.isSymbolicLink()) hashes[name] = `-> ${await readlink(path)}`;
    else if (info.isFile()) hashes[name] = new Bun.CryptoHasher("sha256").update(await readFile(path)).digest("hex");
    else if (info.isDirectory()) hashes[name] = "folder";
  }
  return hashes;
}
