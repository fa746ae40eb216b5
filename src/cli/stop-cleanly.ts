/**
 * Ctrl-C (SIGINT) or SIGTERM while `mother recover` or `mother index` runs: the temp files being
 * written (a layer-cache entry, an index segment, the outputs before their rename) are removed, then
 * the process dies of the signal as it would have (exit status 130, 143: what a shell expects).
 * Everything finished before stays: the cache entries and segments a re-run takes up again. Without
 * it a stop mid-write left a hidden temp file in the cache or the index folder, never removed.
 */
import { removeTemporaryFiles } from "../io/write-file-atomic.ts";

/** Installs the handlers (once each; the signal, raised again, then takes its default action). */
export function removeTemporaryFilesOnStop(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      removeTemporaryFiles();
      process.kill(process.pid, signal);
    });
  }
}
