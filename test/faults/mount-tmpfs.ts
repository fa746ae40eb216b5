/**
 * Test helper: a tiny tmpfs (read-only, or full after a few KB) for output locations that
 * really fail. Mounting needs root (CAP_SYS_ADMIN); where it is not permitted the helpers
 * return undefined and the tests that need a mount fall back or skip.
 */
import { mkdir } from "node:fs/promises";

/** Mounts a tmpfs of `sizeBytes` (default 64 KiB) at `folder`, created if absent; undefined when mount is not permitted. */
export async function mountTmpfs(folder: string, options: { readOnly?: boolean; sizeBytes?: number } = {}): Promise<string | undefined> {
  await mkdir(folder, { recursive: true });
  const flags = [`size=${options.sizeBytes ?? 64 * 1024}`, ...(options.readOnly ? ["ro"] : [])].join(",");
  const run = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", flags, "tmpfs", folder], { stdout: "ignore", stderr: "ignore" });
  return run.exitCode === 0 ? folder : undefined;
}

/** Gives a mounted tmpfs a new size (room freed on a full disk); whether it was permitted. */
export function resizeTmpfs(folder: string, sizeBytes: number): boolean {
  return Bun.spawnSync(["mount", "-o", `remount,size=${sizeBytes}`, folder], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
}

/** Unmounts what mountTmpfs mounted. */
export async function unmount(folder: string): Promise<void> {
  Bun.spawnSync(["umount", folder], { stdout: "ignore", stderr: "ignore" });
}
