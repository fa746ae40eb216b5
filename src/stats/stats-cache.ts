/**
 * Per-layer statistics cached on disk, so a second recovery over the same weight files reads
 * no weights for statistics. One Arrow table per model under the cache folder, named by a
 * hash of what the statistics depend on:
 *
 *   key = sha256(absolute path, size, mtimeMs of every weight file; histogram bins; format version)
 *
 * Inside the table each row is one tensor (the `layer` column is the tensor name). A changed,
 * moved or re-downloaded file changes the key, so stale entries are never read; a corrupt
 * entry counts as missing and is rewritten.
 */
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileIdentity } from "../io/file-identity.ts";
import { DEFAULT_HISTOGRAM_BINS } from "./layer-stats.ts";
import { readStatsTable, statsFromArrow, statsToArrow, writeStatsTable, type LayerStatsRow } from "./stats-table.ts";

/** Default cache folder (git-ignored, relative to the working directory). */
export const DEFAULT_STATS_CACHE_FOLDER = ".cache/stats";

/** Bump when the statistics or the table layout change meaning, to orphan old entries. */
const CACHE_FORMAT_VERSION = 1;

/** File-system effects of the cache (tests pass recorders). */
export interface StatsCacheEffects {
  readonly stat: (path: string) => Promise<{ size: number; mtimeMs: number }>;
  readonly read: (file: string) => Promise<LayerStatsRow[]>;
  readonly write: (file: string, rows: readonly LayerStatsRow[]) => Promise<void>;
}

const realEffects: StatsCacheEffects = {
  stat: (path) => stat(path),
  read: async (file) => statsFromArrow(await readStatsTable(file)),
  write: (file, rows) => writeStatsTable(file, statsToArrow(rows)),
};

/** The statistics of whole models, by model key (see StatsCache.keyFor). */
export class StatsCache {
  constructor(
    readonly folder: string = DEFAULT_STATS_CACHE_FOLDER,
    private readonly effects: StatsCacheEffects = realEffects,
  ) {}

  /**
   * The key of a model made of `files` (its safetensors shards), for statistics computed with
   * `histogramBins` bins. Order of `files` does not matter.
   */
  async keyFor(files: readonly string[], histogramBins = DEFAULT_HISTOGRAM_BINS): Promise<string> {
    const identities = await Promise.all([...new Set(files.map((f) => resolve(f)))].sort().map((path) => fileIdentity(path, this.effects.stat)));
    const text = JSON.stringify({ version: CACHE_FORMAT_VERSION, histogramBins, files: identities });
    return new Bun.CryptoHasher("sha256").update(text).digest("hex");
  }

  /** The cached rows (one per tensor) of the model with this key, or undefined if absent or unreadable. */
  async get(modelKey: string): Promise<LayerStatsRow[] | undefined> {
    const file = this.fileOf(modelKey);
    try {
      return await this.effects.read(file);
    } catch {
      return undefined;
    }
  }

  /** Stores the rows of the model with this key (atomically replacing any previous entry). */
  async put(modelKey: string, rows: readonly LayerStatsRow[]): Promise<void> {
    await this.effects.write(this.fileOf(modelKey), rows);
  }

  private fileOf(modelKey: string): string {
    if (!/^[0-9a-f]{16,}$/.test(modelKey)) throw new RangeError(`stats cache key must be a hex digest, got ${JSON.stringify(modelKey)}`);
    return join(this.folder, `${modelKey}.arrow`);
  }
}
