/**
 * The folder both kernel builds (build-kernels.ts: WebAssembly, build-native.ts: C) are cached in,
 * and the clean-up they share. Its own file so the two builds need not import each other.
 */
import { readdir, rm } from "node:fs/promises";
import { dirname, extname, join } from "node:path";

/** Git-ignored build folder inside the package, whatever the working directory. */
export const KERNEL_CACHE_FOLDER = join(import.meta.dir, "..", "..", ".cache", "kernels");

/**
 * Removes the builds of other sources (and their kept failure reasons) beside a fresh build,
 * so edits do not pile up binaries. A process still running an old one keeps it: removing a
 * file leaves an open or mapped copy alone.
 */
export async function pruneOtherBuilds(fresh: string): Promise<void> {
  const folder = dirname(fresh);
  const extension = extname(fresh);
  for (const name of await readdir(folder)) {
    const stale = name.startsWith("weight-kernels-") && (name.endsWith(extension) || name.endsWith(`${extension}.unavailable`));
    if (stale && join(folder, name) !== fresh) await rm(join(folder, name), { force: true });
  }
}
