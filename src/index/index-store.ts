/**
 * The fingerprint index on disk: a folder of Apache Arrow IPC files ("segments"), one row per
 * model, columnar (path, id, version, files, checksum, format, architecture, layout, stats, samples).
 *
 *   DIR/segments/seg-<time>-<pid>-<random>-<digest>.arrow
 *
 * Segments are only ever added (each written atomically); a later row for the same path
 * replaces an earlier one, and a `removed` row drops it. So several processes — the workers of
 * a distributed `mother index` — can write at once without coordinating, and a reader sees
 * every segment whole or not at all. The digest in each name is the wyhash of the file's bytes:
 * a truncated or altered segment is recognised before anything is taken from it. `compact`
 * folds everything into one segment. Arrow IPC files are read by DuckDB, pyarrow and Polars as
 * they are (docs/scale.md).
 */
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { Binary, Bool, Dictionary, Float64, Int32, Table, tableFromIPC, tableToIPC, Utf8, type Vector, vectorFromArray } from "apache-arrow";
import type { LayerStats, ModelFormat } from "../types.ts";
import { writeFileAtomic } from "../io/write-file-atomic.ts";
import { STAT_COLUMNS } from "../stats/stat-columns.ts";
import type { FileIdentity } from "../io/file-identity.ts";
import type { Fingerprint, FingerprintLayer } from "./fingerprint.ts";
import { indexUnreadable, indexWriteFailed } from "../messages.ts";

/** The folder holding the segments, inside an index folder. */
export const SEGMENTS = "segments";

/** A segment that could not be read, and why. */
export interface BadSegment {
  readonly file: string;
  readonly problem: string;
}

/** What loading an index folder finds. */
export interface LoadedIndex {
  /** The current entry of every model, by absolute model path. */
  readonly entries: Map<string, Fingerprint>;
  /** Every segment file read (whole), in name order. */
  readonly segments: readonly string[];
  /** Segments that are truncated, altered or not Arrow at all: nothing was taken from them. */
  readonly bad: readonly BadSegment[];
}

/** A row in a segment: a fingerprint, or the removal of a path. */
export type IndexRow = Fingerprint | { readonly removed: string };

/** Reads every segment of the index at `dir` (a missing folder is an empty index). */
export async function loadIndex(dir: string): Promise<LoadedIndex> {
  const folder = join(dir, SEGMENTS);
  let names: string[];
  try {
    names = (await readdir(folder)).filter((name) => name.endsWith(".arrow")).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { entries: new Map(), segments: [], bad: [] };
    throw indexUnreadable(folder, code ?? String(error));
  }
  const entries = new Map<string, Fingerprint>();
  const segments: string[] = [];
  const bad: BadSegment[] = [];
  for (const name of names) {
    const file = join(folder, name);
    let rows: IndexRow[];
    try {
      rows = decodeSegment(new Uint8Array(await readFile(file)), name);
    } catch (error) {
      bad.push({ file, problem: error instanceof Error ? error.message : String(error) });
      continue;
    }
    segments.push(file);
    for (const row of rows) {
      if ("removed" in row) entries.delete(row.removed);
      else entries.set(row.path, row);
    }
  }
  return { entries, segments, bad };
}

/**
 * Writes `rows` as one new segment of the index at `dir`; returns its path. A file system that refuses the write (a full
 * disk, a folder removed or made read-only since the run began) is one error naming the index: the segment is written
 * whole or not at all, so every segment already there stays readable.
 */
export async function writeSegment(dir: string, rows: readonly IndexRow[]): Promise<string> {
  const bytes = encodeSegment(rows);
  const folder = join(dir, SEGMENTS);
  // Time, then this process's count: a process's later segments sort after its earlier ones.
  const time = Date.now().toString().padStart(15, "0");
  const stamp = `${time}-${process.pid}-${(written++).toString().padStart(6, "0")}-${Math.random().toString(16).slice(2, 10)}`;
  const file = join(folder, `seg-${stamp}-${digestOf(bytes)}.arrow`);
  try {
    await mkdir(folder, { recursive: true });
    await writeFileAtomic(file, bytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw indexWriteFailed(dir, code);
  }
  return file;
}

/** Segments this process has written. */
let written = 0;

/** Replaces every segment in `replaced` by one holding `entries` (written first, so a crash loses nothing). */
export async function compact(dir: string, entries: Iterable<Fingerprint>, replaced: readonly string[]): Promise<string> {
  const file = await writeSegment(dir, [...entries]);
  await Promise.all(replaced.filter((old) => old !== file).map((old) => rm(old, { force: true })));
  return file;
}

function digestOf(bytes: Uint8Array): string {
  return Bun.hash.wyhash(bytes, 0n).toString(16).padStart(16, "0");
}

/** The rows of one segment as Arrow IPC (file format). */
export function encodeSegment(rows: readonly IndexRow[]): Uint8Array {
  const fingerprints = rows.map((row) => ("removed" in row ? undefined : row));
  // Models of one architecture share their layout: stored once per segment, not once per row.
  const shared = (pick: (f: Fingerprint) => string) =>
    vectorFromArray(
      fingerprints.map((f) => (f ? pick(f) : "")),
      new Dictionary(new Utf8(), new Int32()),
    );
  const text = (pick: (f: Fingerprint) => string) =>
    vectorFromArray(
      fingerprints.map((f) => (f ? pick(f) : "")),
      new Utf8(),
    );
  const table = new Table({
    path: vectorFromArray(
      rows.map((row) => ("removed" in row ? row.removed : row.path)),
      new Utf8(),
    ),
    removed: vectorFromArray(
      rows.map((row) => "removed" in row),
      new Bool(),
    ),
    version: vectorFromArray(
      fingerprints.map((f) => f?.version ?? 0),
      new Int32(),
    ),
    id: text((f) => f.id),
    files: text((f) => JSON.stringify(f.files)),
    checksum: text((f) => f.checksum),
    format: shared((f) => f.format),
    architecture: shared((f) => f.architecture),
    layout: shared((f) => JSON.stringify(f.layers)),
    stats: vectorFromArray(
      fingerprints.map((f) => (f ? bytesOf(statsToArray(f.stats)) : new Uint8Array(0))),
      new Binary(),
    ),
    samples: vectorFromArray(
      fingerprints.map((f) => (f ? bytesOf(f.samples) : new Uint8Array(0))),
      new Binary(),
    ),
    written: vectorFromArray(
      rows.map(() => Date.now()),
      new Float64(),
    ),
  });
  return tableToIPC(table, "file");
}

/** Decodes one segment; throws (a plain Error naming the problem) when it is not a whole, unaltered segment. */
export function decodeSegment(bytes: Uint8Array, name: string): IndexRow[] {
  const expected = /-([0-9a-f]{16})\.arrow$/.exec(name)?.[1];
  if (!expected) throw new Error("not an index segment name (seg-…-<digest>.arrow)");
  const actual = digestOf(bytes);
  if (actual !== expected) throw new Error(`content does not match its digest (${actual}, expected ${expected}): truncated or altered`);
  const table = tableFromIPC(bytes);
  const column = (name: string) => {
    const vector = table.getChild(name);
    if (!vector) throw new Error(`no column ${name}`);
    return vector;
  };
  const [path, removed, version, id, files, checksum, architecture, layout, stats, samples] = [
    "path",
    "removed",
    "version",
    "id",
    "files",
    "checksum",
    "architecture",
    "layout",
    "stats",
    "samples",
  ].map(column);
  // Segments written before GGUF files and adapters were indexed have no format column: all safetensors.
  const format = table.getChild("format");
  const [statRows, sampleRows] = [binaryRows(stats!), binaryRows(samples!)];
  const layouts = new Map<string, FingerprintLayer[]>();
  const rows: IndexRow[] = [];
  for (let r = 0; r < table.numRows; r++) {
    if (removed!.get(r)) {
      rows.push({ removed: path!.get(r) as string });
      continue;
    }
    const layoutText = layout!.get(r) as string;
    let layers = layouts.get(layoutText);
    if (!layers) layouts.set(layoutText, (layers = JSON.parse(layoutText) as FingerprintLayer[]));
    const statBytes = statRows[r]!;
    const sampleBytes = sampleRows[r]!;
    rows.push({
      path: path!.get(r) as string,
      id: id!.get(r) as string,
      version: version!.get(r) as number,
      files: JSON.parse(files!.get(r) as string) as FileIdentity[],
      checksum: checksum!.get(r) as string,
      format: ((format?.get(r) as string | null) ?? "safetensors") as ModelFormat,
      architecture: architecture!.get(r) as string,
      layers,
      stats: statsFromArray(viewOf(statBytes, Float64Array), layers.length),
      samples: viewOf(sampleBytes, Float32Array),
    });
  }
  return rows;
}

/** The values of a Binary column, one view per row into the segment's bytes (no copy). */
function binaryRows(vector: Vector): Uint8Array[] {
  const rows: Uint8Array[] = [];
  for (const chunk of vector.data) {
    const offsets = chunk.valueOffsets as Int32Array;
    const values = chunk.values as Uint8Array;
    for (let i = chunk.offset; i < chunk.offset + chunk.length; i++) rows.push(values.subarray(offsets[i]!, offsets[i + 1]!));
  }
  return rows;
}

/** `bytes` as a typed array: a view when aligned (Arrow aligns buffers to 8 bytes and every row is a multiple of 8 long), else a copy. */
function viewOf<T extends Float32Array | Float64Array>(
  bytes: Uint8Array,
  Type: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
): T {
  const aligned = bytes.byteOffset % Type.BYTES_PER_ELEMENT === 0 ? bytes : bytes.slice();
  return new Type(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.byteLength / Type.BYTES_PER_ELEMENT);
}

function bytesOf(values: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Statistics of every layer, STAT_COLUMNS values each. */
function statsToArray(stats: readonly LayerStats[]): Float64Array {
  const out = new Float64Array(stats.length * STAT_COLUMNS.length);
  stats.forEach((layer, l) => STAT_COLUMNS.forEach((name, c) => (out[l * STAT_COLUMNS.length + c] = layer[name])));
  return out;
}

function statsFromArray(values: Float64Array, layers: number): LayerStats[] {
  if (values.length !== layers * STAT_COLUMNS.length) throw new Error(`statistics of ${values.length / STAT_COLUMNS.length} layers for ${layers} layers`);
  return Array.from({ length: layers }, (_, l) => {
    const at = (c: number) => values[l * STAT_COLUMNS.length + c]!;
    return { count: at(0), mean: at(1), variance: at(2), skewness: at(3), kurtosis: at(4), min: at(5), max: at(6), entropy: at(7) };
  });
}
