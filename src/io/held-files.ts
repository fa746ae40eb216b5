/**
 * Files held in memory whole while a small job runs: the exact recovery of one tree of small
 * models (src/index/tree-pool.ts) reads each model's file once, in one pread, and every later
 * header or tensor read of that file in the same thread copies from it — no open, read and
 * close per tensor (for 0.33 MB models those syscalls were ~40 % of a tree's time). The bytes are
 * those of the file when it was read; the caller holds files only for the job's duration.
 *
 * The bytes can live in memory the caller lends (HoldMemory): the tree job lends the thread's
 * kernel memory, so the layer pass sweeps f32 layers where they lie instead of copying them in.
 *
 * A file may be held with gaps: byte ranges its holder expects no reader to need (a tree's layers
 * whose results it already has, recover-tree-job.ts). They are not read with the rest; a reader
 * asking for bytes in one (heldBytes' range) gets them read then, so every view it is given holds
 * the file's bytes over the range it asked for.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Memory a caller lends for held files: a region of `bytes` bytes, given as a maker of fresh views (its memory may grow and detach old ones). */
export interface HoldMemory {
  /** The region, or undefined when there is none to lend now. */
  claim(bytes: number): (() => Uint8Array) | undefined;
  /** Takes the region back (called once, when the files are released). */
  release(): void;
}

/**
 * Bytes of every held file (a fresh view each time), by path, its ranges not read yet, and its size and modification time
 * as its read found them (fstat); a path held twice is counted twice and released twice.
 */
const held = new Map<string, { bytes: () => Uint8Array; holders: number; gaps: [start: number, end: number][]; look: FileLook }>();

/** A file's size in bytes and modification time, as fstat gave them when it was read. */
export interface FileLook {
  readonly size: number;
  readonly mtimeMs: number;
}

/** A file to hold: its path, its size in bytes, and byte ranges [start, end) to leave unread until a reader asks for them. */
export type FileToHold = readonly [file: string, size: number, gaps?: readonly (readonly [start: number, end: number])[]];

/**
 * One buffer reused from job to job (a thread runs one tree at a time): fresh memory for every
 * tree's files cost page faults and zeroing on each. A second holder meanwhile gets fresh memory.
 */
let arena = new Uint8Array(0);
let arenaInUse = false;

/**
 * The held bytes of `file` (a view of the whole file), or undefined when it is read from disk.
 * The view holds the file's bytes over [start, end) (the whole file by default): a gap there is
 * read first; undefined when that fails (the reader then reads the file itself and reports it).
 */
export function heldBytes(file: string, start = 0, end = Number.POSITIVE_INFINITY): Uint8Array | undefined {
  const entry = held.get(file);
  if (!entry) return undefined;
  if (entry.gaps.some(([from, to]) => from < end && to > start)) {
    const wanted = entry.gaps.filter(([from, to]) => from < end && to > start);
    if (!readRanges(file, entry.bytes(), wanted)) return undefined;
    entry.gaps = entry.gaps.filter((gap) => !wanted.includes(gap));
  }
  return entry.bytes();
}

/** The size and modification time of `file` as its read found them while it is held, else undefined (it is read from disk). */
export function heldLook(file: string): FileLook | undefined {
  return held.get(file)?.look;
}

/**
 * Reads each of `files` ([path, size in bytes]) whole — one open, one pread loop, one close
 * each — into `lender`'s memory when it lends some, else this thread's arena, and holds it until
 * the returned release is called. A file that cannot be read, or whose size is not the one
 * given, is left to the ordinary reader, which reports it in its own words.
 */
export function holdFiles(files: readonly FileToHold[], lender?: HoldMemory): () => void {
  const gapsOf = new Map(files.map(([file, , gaps]) => [file, gaps ?? []]));
  const wanted = [...new Map(files.map(([file, size]) => [file, size])).entries()];
  return holdRead(
    wanted.map(([file, size]) => ({ file, size, gaps: gapsBetween(gapsOf.get(file)!, size), read: (target, gaps) => readWhole(file, target, gaps) })),
    lender,
  );
}

/**
 * holdFiles for files whose sizes are not known yet (a located model's, from its folder's listing: no stat of its own):
 * each is opened and looked at (fstat) first, and read whole only when together they hold at most `maxBytes`. A file
 * that cannot be opened or looked at leaves every one of them to the ordinary reader, which reports it in its own words;
 * one whose read falls short of its fstat (cut meanwhile) is left to it alone. The paths are distinct (a folder's listing).
 */
export function holdUpTo(files: readonly string[], maxBytes: number, lender?: HoldMemory): () => void {
  const opened: { file: string; fd: number; look: FileLook }[] = [];
  try {
    for (const file of files) {
      const fd = openSync(file, "r");
      const look = { size: 0, mtimeMs: 0 };
      opened.push({ file, fd, look }); // closed below, whatever happens next
      ({ size: look.size, mtimeMs: look.mtimeMs } = fstatSync(fd));
    }
    if (opened.reduce((sum, { look }) => sum + look.size, 0) > maxBytes) return () => {};
    return holdRead(
      opened.map(({ file, fd, look }) => ({
        file,
        size: look.size,
        gaps: [],
        read: (target) => (readOpened(fd, target, [[0, target.length]]) ? look : undefined),
      })),
      lender,
    );
  } catch {
    return () => {};
  } finally {
    for (const { fd } of opened) closeSync(fd);
  }
}

/** A file to read into held memory: its size, its gaps (joined, in order) and how it is read (its look, or undefined: it could not be). */
interface FileRead {
  readonly file: string;
  readonly size: number;
  readonly gaps: [number, number][];
  read(target: Uint8Array, gaps: readonly (readonly [number, number])[]): FileLook | undefined;
}

/** Reads and holds `files` (distinct paths) as holdFiles says; a path held already is held once more, not read again. */
function holdRead(files: readonly FileRead[], lender: HoldMemory | undefined): () => void {
  const total = files.reduce((sum, { file, size }) => sum + (held.has(file) ? 0 : aligned(size)), 0);
  let region = lender?.claim(total);
  const lent = region !== undefined;
  const useArena = !lent && !arenaInUse;
  if (useArena) {
    if (arena.length < total) arena = new Uint8Array(total);
    arenaInUse = true;
    region = () => arena;
  }
  let offset = 0;
  const taken: string[] = [];
  for (const { file, size, gaps, read } of files) {
    const known = held.get(file);
    if (known) {
      known.holders++;
      taken.push(file);
      continue;
    }
    const at = offset;
    const target = region ? region().subarray(at, at + size) : new Uint8Array(size);
    const look = read(target, gaps);
    if (!look) continue;
    offset += aligned(size);
    held.set(file, { bytes: region ? viewOf(region, at, size) : () => target, holders: 1, gaps, look });
    taken.push(file);
  }
  return () => {
    for (const file of taken) {
      const entry = held.get(file);
      if (entry && --entry.holders === 0) held.delete(file);
    }
    if (lent) lender?.release();
    if (useArena) arenaInUse = false;
  };
}

/** Bytes [at, at + size) of `region`'s view, one view while the region's stays the same (a reader asks per tensor). */
function viewOf(region: () => Uint8Array, at: number, size: number): () => Uint8Array {
  let whole: Uint8Array | undefined;
  let view: Uint8Array = new Uint8Array(0);
  return () => {
    const now = region();
    if (now !== whole) [whole, view] = [now, now.subarray(at, at + size)];
    return view;
  };
}

/** `size` rounded up to 8 bytes: each file starts 8-byte aligned, so its f32 and f64 tensors can be viewed where they lie. */
function aligned(size: number): number {
  return Math.ceil(size / 8) * 8;
}

/** `gaps` clipped to [0, size), sorted, overlapping or touching ones joined, empty ones dropped. */
function gapsBetween(gaps: readonly (readonly [number, number])[], size: number): [number, number][] {
  const sorted = gaps
    .map(([start, end]): [number, number] => [Math.max(0, start), Math.min(size, end)])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  const joined: [number, number][] = [];
  for (const gap of sorted) {
    const last = joined.at(-1);
    if (last && gap[0] <= last[1]) last[1] = Math.max(last[1], gap[1]);
    else joined.push(gap);
  }
  return joined;
}

/** Fills `target` with the whole file but its `gaps` (sorted, disjoint) and gives its look; undefined when the file cannot be read or is not exactly that long. */
function readWhole(file: string, target: Uint8Array, gaps: readonly (readonly [number, number])[]): FileLook | undefined {
  const ranges: [number, number][] = [];
  let from = 0;
  for (const [start, end] of gaps) {
    if (start > from) ranges.push([from, start]);
    from = end;
  }
  if (from < target.length || target.length === 0) ranges.push([from, target.length]);
  return readRanges(file, target, ranges);
}

/** Fills `target`'s byte ranges [start, end) from the same ranges of `file` and gives its look; undefined when it cannot be read or is not `target`'s length. */
function readRanges(file: string, target: Uint8Array, ranges: readonly (readonly [number, number])[]): FileLook | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const { size, mtimeMs } = fstatSync(fd);
    return size === target.length && readOpened(fd, target, ranges) ? { size, mtimeMs } : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Fills `target`'s byte ranges [start, end) from an open file's; false when it ends (or fails) first. */
function readOpened(fd: number, target: Uint8Array, ranges: readonly (readonly [number, number])[]): boolean {
  try {
    for (const [start, end] of ranges) {
      let filled = start;
      while (filled < end) {
        const count = readSync(fd, target, filled, end - filled, filled);
        if (count === 0) return false;
        filled += count;
      }
    }
    return true;
  } catch {
    return false;
  }
}
