/**
 * What the layer pass kept of each layer (statistics, pairwise |Δw|, sketches), cached on disk
 * one file per layer job, so that a second `mother recover` over the same files — another
 * `--lambda`, `--trees` or `--format` — reads no weights, and a run stopped half-way (Ctrl-C,
 * a crash, a full disk) resumes at the layers it had not finished.
 *
 *   key = sha256(format version, the code that computes a layer result (every source the
 *               layer pass imports: result-sources.ts), the job (layer name, shape, roles,
 *               sketch, sample and histogram sizes, which pairs are compared) and, for each
 *               model in order, its tensor's name, offset, length, dtype and encoding (GGUF
 *               block type, rotary heads) — for a PEFT adapter's layer those of its base and
 *               both factors, its scale and the adapter code — and either each file's identity
 *               (path, size, mtime: the default, one stat per file) or, with `keyByContent`
 *               (--verify-cache), a checksum of the tensor's bytes (reads every weight again,
 *               but still skips the layer pass's arithmetic))
 *
 * A changed or moved file, a different model set or order, or an edited kernel gives new keys,
 * so stale entries are never read — except, by default, a file rewritten in place with the
 * same size and modification time, which only the content key notices. Each entry ends with
 * an xxHash64 of everything before it: a damaged entry (a flipped bit, a foreign file) reads as
 * damaged, and its layer is read again and the entry rewritten. Entries are written atomically.
 * Nothing is ever evicted: the folder grows by a few kilobytes per full-fine-tuning layer and
 * by ~215 KB per model per sketched LoRA layer.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { LayerStats, TensorInfo } from "../types.ts";
import { contentChecksum, fileIdentity, type FileIdentity } from "../io/file-identity.ts";
import { writeFileAtomic } from "../io/write-file-atomic.ts";
import type { LayerJob, LayerResult } from "./layer-pass.ts";
import type { LayerSketch } from "./low-rank-sketch.ts";
import { nativeKernels } from "../kernels/native-kernels.ts";
import { resultSources } from "./result-sources.ts";

/** Bump when the entry layout changes (2: the trailing checksum). */
const FORMAT_VERSION = 2;

/** Content checksums (--verify-cache) in flight at once: reading is the bound, two keep a disk busy. */
const CONCURRENT_CHECKSUMS = 2;

/** Bytes of the trailing checksum (xxHash64, little-endian). */
const CHECKSUM_BYTES = 8;

/** The code that forms a PEFT adapter's layers (keys of layers without one do not depend on it). */
const LOW_RANK_SOURCES = ["io/peft/adapter-tensor.ts"];

/** `$XDG_CACHE_HOME/mother/layers`, or `~/.cache/mother/layers`. */
export function defaultLayerCacheFolder(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mother", "layers");
}

/** What the cache holds for a job: its result, nothing, or an entry that is damaged (and why). */
export interface CacheLookup {
  readonly result?: LayerResult;
  /** Set when a file is there but is not a whole, intact entry for the job. */
  readonly damaged?: { readonly file: string; readonly reason: string };
}

/** Layer results on disk, keyed by everything they depend on. One instance per recovery. */
export class LayerCache {
  private readonly identities = new Map<string, Promise<FileIdentity>>();
  private readonly checksums = new Map<string, Promise<string>>();
  private checksumsRunning = 0;
  private readonly checksumsWaiting: (() => void)[] = [];
  private code: Promise<string> | undefined;
  private lowRankCode: Promise<string> | undefined;

  /**
   * `keyByContent`: key each model by a checksum of its tensor's bytes instead of its file's path, size and mtime;
   * `checksum` computes it (tests pass a recorder).
   */
  constructor(
    readonly folder: string = defaultLayerCacheFolder(),
    readonly keyByContent = false,
    private readonly checksum: typeof contentChecksum = contentChecksum,
  ) {}

  /** The cached result of `job`, or undefined when absent, unreadable or damaged. */
  async get(job: LayerJob): Promise<LayerResult | undefined> {
    return (await this.lookup(job)).result;
  }

  /** The cached result of `job`; a file that is there but not a whole, intact entry for the job is reported as damaged. */
  async lookup(job: LayerJob): Promise<CacheLookup> {
    const file = await this.fileOf(job);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch {
      return {};
    }
    const result = decodeLayerResult(bytes, job.tensors.length);
    if (result) return { result };
    return { damaged: { file, reason: entryIntact(bytes) ? "does not fit the layer" : "checksum mismatch" } };
  }

  /** Stores `result` for `job` (atomically replacing any entry). */
  async put(job: LayerJob, result: LayerResult): Promise<void> {
    await writeFileAtomic(await this.fileOf(job), encodeLayerResult(result));
  }

  private async fileOf(job: LayerJob): Promise<string> {
    const identity = (tensor: TensorInfo) =>
      this.keyByContent ? this.checksumOf(tensor.file, tensor.offset, tensor.byteLength) : this.identityOf(tensor.file);
    // A PEFT adapter's layer (base + Δ): its base tensor (itself an adapter's, for stacked adapters) and both factors, the scale and the orientation.
    const keyOf = async (tensor: TensorInfo): Promise<unknown[]> => {
      const update = tensor.lowRank;
      if (!update) return [await identity(tensor), tensor.name, tensor.offset, tensor.byteLength, tensor.dtype, tensor.encoding ?? null];
      return [...(await Promise.all([update.base, update.a, update.b].map(keyOf))), update.scale, update.transposed];
    };
    const models = await Promise.all(job.tensors.map(keyOf));
    const text = JSON.stringify({
      version: FORMAT_VERSION,
      code: await (this.code ??= codeDigest()),
      ...(job.tensors.some((tensor) => tensor.lowRank) ? { lowRankCode: await (this.lowRankCode ??= codeDigest(LOW_RANK_SOURCES)) } : {}),
      job: [job.name, job.shape, job.roles, job.sketchSize, job.probeWidth ?? 0, job.histogramBins, job.sampleValues ?? 0, job.pairGroups ?? []],
      tensors: models,
    });
    return join(this.folder, `${new Bun.CryptoHasher("sha256").update(text).digest("hex").slice(0, 32)}.layer`);
  }

  private identityOf(file: string): Promise<FileIdentity> {
    let identity = this.identities.get(file);
    if (!identity) this.identities.set(file, (identity = fileIdentity(file)));
    return identity;
  }

  /** Each tensor is hashed once per recovery, however many jobs (a clustering sample, the full layer) read it. */
  private checksumOf(file: string, offset: number, byteLength: number): Promise<string> {
    const key = JSON.stringify([file, offset, byteLength]);
    let checksum = this.checksums.get(key);
    if (!checksum) this.checksums.set(key, (checksum = this.fewAtATime(() => this.checksum(file, offset, byteLength))));
    return checksum;
  }

  /**
   * Runs `work` once fewer than CONCURRENT_CHECKSUMS others run: every job asks for its keys at
   * once, and each checksum holds an open file and an 8 MiB buffer (a 7B model's 128 attention
   * matrices × 10 models would otherwise be 10 GB of buffers and 1280 open files).
   */
  private async fewAtATime<T>(work: () => Promise<T>): Promise<T> {
    while (this.checksumsRunning >= CONCURRENT_CHECKSUMS) await new Promise<void>((resume) => this.checksumsWaiting.push(resume));
    this.checksumsRunning++;
    try {
      return await work();
    } finally {
      this.checksumsRunning--;
      this.checksumsWaiting.shift()?.();
    }
  }
}

/**
 * A digest of `sources` (default: every source the layer pass imports, result-sources.ts) as they
 * are now, and of which kernels sweep (the native and the WebAssembly power sums agree to ~1e-8,
 * not bit for bit).
 */
async function codeDigest(sources?: readonly string[]): Promise<string> {
  const hash = new Bun.CryptoHasher("sha256").update((await nativeKernels()).native ? "native" : "wasm");
  // The adapter code has a digest of its own, in the keys of adapter layers only.
  const common = async () => (await resultSources()).filter((source) => !LOW_RANK_SOURCES.includes(source));
  for (const source of sources ?? (await common())) hash.update(source).update(await readFile(join(import.meta.dir, "..", source)));
  return hash.digest("hex");
}

/** What an entry stores besides its f64 arrays (sketch data goes in the payload). */
interface EntryHeader {
  readonly name: string;
  readonly stats: LayerStats[];
  readonly zeroFraction: number[];
  readonly gridLevels: number[];
  readonly pairwise: number;
  readonly sketches: Omit<LayerSketch, "data">[];
}

/**
 * An entry: u32 header length, the JSON header (non-finite numbers as strings), zero padding
 * to 8 bytes, the f64 payload (max |Δ|, mean |Δ|, each sketch's data), then the xxHash64 of
 * all of that as a little-endian u64.
 */
export function encodeLayerResult(result: LayerResult): Uint8Array {
  const header: EntryHeader = {
    name: result.name,
    stats: result.stats,
    zeroFraction: result.zeroFraction,
    gridLevels: result.gridLevels,
    pairwise: result.maxAbsDiff.length,
    sketches: result.sketches.map(({ rows, cols, noiseGain, roundingScale }) => ({ rows, cols, noiseGain, roundingScale })),
  };
  const text = new TextEncoder().encode(JSON.stringify(header, (_, value) => (typeof value === "number" && !Number.isFinite(value) ? String(value) : value)));
  const start = Math.ceil((4 + text.length) / 8) * 8;
  const arrays = [result.maxAbsDiff, result.meanAbsDiff, ...result.sketches.map((s) => s.data)];
  const bytes = new Uint8Array(start + arrays.reduce((sum, a) => sum + a.byteLength, 0) + CHECKSUM_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, text.length, true);
  bytes.set(text, 4);
  let at = start;
  for (const array of arrays) {
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    at += array.byteLength;
  }
  view.setBigUint64(at, Bun.hash.xxHash64(bytes.subarray(0, at)), true);
  return bytes;
}

/**
 * Whether `bytes` ends with the xxHash64 of the rest. xxHash64 (a fixed, documented algorithm,
 * so entries stay valid across Bun versions) hashed a 13 MiB entry in ~1 ms here, 3–5 % of
 * decoding it (docs/layer-cache.md); a 64-bit hash misses a random corruption with odds 2⁻⁶⁴.
 */
export function entryIntact(bytes: Uint8Array): boolean {
  if (bytes.byteLength < CHECKSUM_BYTES) return false;
  const end = bytes.byteLength - CHECKSUM_BYTES;
  return new DataView(bytes.buffer, bytes.byteOffset + end, CHECKSUM_BYTES).getBigUint64(0, true) === Bun.hash.xxHash64(bytes.subarray(0, end));
}

/** The result stored in `bytes`, or undefined unless it is a whole, intact entry for `models` models. */
export function decodeLayerResult(whole: Uint8Array, models: number): LayerResult | undefined {
  if (!entryIntact(whole)) return undefined;
  const bytes = whole.subarray(0, whole.byteLength - CHECKSUM_BYTES);
  try {
    const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)), (_, value) =>
      value === "NaN" || value === "Infinity" || value === "-Infinity" ? Number(value) : value,
    ) as EntryHeader;
    const payload = bytes.slice(Math.ceil((4 + length) / 8) * 8);
    const values = new Float64Array(payload.buffer, 0, Math.floor(payload.byteLength / 8));
    const sketchValues = header.sketches.reduce((sum, s) => sum + s.rows * s.cols, 0);
    const consistent =
      header.stats.length === models &&
      header.zeroFraction.length === models &&
      header.gridLevels.length === models &&
      (header.pairwise === 0 || header.pairwise === models * models) &&
      (header.sketches.length === 0 || header.sketches.length === models) &&
      payload.byteLength === 8 * (2 * header.pairwise + sketchValues);
    if (!consistent) return undefined;
    let at = 2 * header.pairwise;
    return {
      name: header.name,
      stats: header.stats,
      maxAbsDiff: values.slice(0, header.pairwise),
      meanAbsDiff: values.slice(header.pairwise, at),
      sketches: header.sketches.map((sketch) => ({ ...sketch, data: values.slice(at, (at += sketch.rows * sketch.cols)) })),
      zeroFraction: header.zeroFraction,
      gridLevels: header.gridLevels,
    };
  } catch {
    return undefined;
  }
}
