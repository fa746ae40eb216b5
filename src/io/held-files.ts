/**
 * Files held in memory whole while a small job runs: the exact recovery of one tree of small
 * models (src/index/tree-pool.ts) reads each model's file once, in one pread, and every later
 * header or tensor read of that file in the same thread copies from it — no open, read and
 * close per tensor (for 0.33 MB models those syscalls were ~40 % of a tree's time). The bytes are
 * those of the file when it was read; the caller holds files only for the job's duration.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Bytes of every held file, by path; a path held twice is counted twice and released twice. */
const held = new Map<string, { bytes: Uint8Array; holders: number }>();

/** The held bytes of `file`, or undefined when it is read from disk. */
export function heldBytes(file: string): Uint8Array | undefined {
  return held.get(file)?.bytes;
}

/**
 * Reads each of `files` whole (one open, one pread loop, one close) and holds it until the
 * returned release is called. A file that cannot be read is left to the ordinary reader, which
 * reports it in its own words.
 */
export function holdFiles(files: readonly string[]): () => void {
  const taken: string[] = [];
  for (const file of new Set(files)) {
    const known = held.get(file);
    if (known) {
      known.holders++;
      taken.push(file);
      continue;
    }
    const bytes = readWhole(file);
    if (!bytes) continue;
    held.set(file, { bytes, holders: 1 });
    taken.push(file);
  }
  return () => {
    for (const file of taken) {
      const entry = held.get(file);
      if (entry && --entry.holders === 0) held.delete(file);
    }
  };
}

function readWhole(file: string): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const count = readSync(fd, bytes, filled, size - filled, filled);
      if (count === 0) return undefined;
      filled += count;
    }
    return bytes;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
