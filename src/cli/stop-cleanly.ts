/**
 * Ctrl-C (SIGINT) or SIGTERM while `mother recover` or `mother index` runs: the temp files being
 * written (a layer-cache entry, an index segment, the outputs before their rename) are removed, then
 * the process dies of the signal as it would have (exit status 130, 143: what a shell expects).
 * Everything finished before stays: the cache entries and segments a re-run takes up again. Without
 * it a stop mid-write left a hidden temp file in the cache or the index folder, never removed.
 *
 * A signal the process was started with ignored stays ignored: a shell starts a script's
 * background jobs (`mother recover … &`) with SIGINT ignored, so that Ctrl-C stops the script and
 * not them, and `nohup` does the same with SIGHUP; a handler would undo that. Linux says which
 * signals are ignored in /proc/self/status (`SigIgn`); where it cannot be read, the handlers are
 * installed.
 */
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { removeTemporaryFiles } from "../io/write-file-atomic.ts";

/** The signals handled. */
const STOPS = ["SIGINT", "SIGTERM"] as const;

/** Whether `signal` is among those a `/proc/<pid>/status` text lists as ignored (its hex `SigIgn` mask; bit n − 1 is signal n). */
export function ignoredIn(status: string, signal: (typeof STOPS)[number]): boolean {
  const mask = /^SigIgn:\s*([0-9a-fA-F]+)\s*$/m.exec(status)?.[1];
  return mask !== undefined && ((BigInt(`0x${mask}`) >> BigInt(constants.signals[signal] - 1)) & 1n) === 1n;
}

/** This process's status text, or "" where there is none (another system). */
function ownStatus(): string {
  try {
    return readFileSync("/proc/self/status", "utf8");
  } catch {
    return "";
  }
}

/** Installs the handlers (once each; the signal, raised again, then takes its default action), but for a signal ignored from the start. */
export function removeTemporaryFilesOnStop(status: string = ownStatus()): void {
  for (const signal of STOPS) {
    if (ignoredIn(status, signal)) continue;
    process.once(signal, () => {
      removeTemporaryFiles();
      process.kill(process.pid, signal);
    });
  }
}
