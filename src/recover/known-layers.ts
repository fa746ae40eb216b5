/**
 * Layers a tree's recovery need not read (docs/scale.md, "Inside a tree"): `mother recover` on a
 * large set fingerprints every model first (src/index/fingerprint.ts), and a fingerprint of a
 * small held model already sums each layer through the same kernels, in one chunk, as the tree's
 * layer pass then sums it again. For the layers the pass reads for their statistics alone (no
 * pairs, no sketch: the MLP matrices of the default plan, two thirds of a small ViT's bytes) the
 * fingerprint keeps what that pass gives — the statistics, the share of exact zeros and the
 * quantisation grid, the same kernel calls on the same values, so the same bits — and the tree
 * takes them instead of reading and summing those bytes again.
 *
 * Keyed by the tensor's bytes (file, offset, length): a layer the tree reads any other way (a
 * sketch, a histogram, another type) is not taken, and is read as before.
 */
import type { LayerStats, TensorInfo } from "../types.ts";
import { STAT_COLUMNS } from "../stats/stat-columns.ts";
import { chunkValues, type LayerJob, type LayerResult, valueCount } from "./layer-pass.ts";

/** One model's known layers, as a fingerprint keeps them: its file, and KNOWN_FIELDS values per layer (packKnownLayer). */
export interface KnownLayers {
  readonly file: string;
  readonly values: Float64Array;
}

/** Where a known layer's statistics start: after its offset, byte length, zero share and grid levels. */
const STATS_AT = 4;
/** Values per known layer: offset, byte length, zero share, grid levels, then LayerStats' fields in STAT_COLUMNS' order. */
export const KNOWN_FIELDS = STATS_AT + STAT_COLUMNS.length;

/** Writes one layer's known result at `values[at …]`. */
export function packKnownLayer(values: Float64Array, at: number, tensor: TensorInfo, stats: LayerStats, zeroFraction: number, gridLevels: number): void {
  values[at] = tensor.offset;
  values[at + 1] = tensor.byteLength;
  values[at + 2] = zeroFraction;
  values[at + 3] = gridLevels;
  for (let c = 0; c < STAT_COLUMNS.length; c++) values[at + STATS_AT + c] = stats[STAT_COLUMNS[c]!];
}

/** The statistics packKnownLayer wrote at `values[at …]`. */
function statsAt(values: Float64Array, at: number): LayerStats {
  const stats = {} as Record<(typeof STAT_COLUMNS)[number], number>;
  for (let c = 0; c < STAT_COLUMNS.length; c++) stats[STAT_COLUMNS[c]!] = values[at + STATS_AT + c]!;
  return stats;
}

/** The byte ranges [start, end) of `known`'s layers in its file: what a tree holding the file need not read. */
export function knownRanges(known: KnownLayers): [start: number, end: number][] {
  const ranges: [number, number][] = [];
  for (let at = 0; at < known.values.length; at += KNOWN_FIELDS) ranges.push([known.values[at]!, known.values[at]! + known.values[at + 1]!]);
  return ranges;
}

/** The known layers of a tree's models, looked up by a layer job's tensors. */
export class KnownResults {
  /** By file, offset and length: each layer's position in its model's values. */
  private readonly byBytes = new Map<string, { values: Float64Array; at: number }>();

  constructor(known: readonly KnownLayers[]) {
    for (const { file, values } of known)
      for (let at = 0; at < values.length; at += KNOWN_FIELDS) this.byBytes.set(keyOf(file, values[at]!, values[at + 1]!), { values, at });
  }

  /**
   * `job`'s result when every model's layer is known and the pass would read it for its
   * statistics alone (whole, in one chunk, no pairs, no sketch, no histogram, f32 as stored); else undefined.
   */
  resultOf(job: LayerJob): LayerResult | undefined {
    const { roles } = job;
    if (roles.distance || roles.sketch || job.histogramBins !== 0 || job.sampleValues !== undefined || job.probeWidth !== undefined) return undefined;
    // The fingerprint summed each layer in one chunk (held-layer-sweep.ts): so must the pass, for the same bits.
    if (chunkValues(job) < valueCount(job)) return undefined;
    const found: { values: Float64Array; at: number }[] = [];
    for (const tensor of job.tensors) {
      if (tensor.dtype !== "F32" || tensor.encoding || tensor.lowRank) return undefined;
      const entry = this.byBytes.get(keyOf(tensor.file, tensor.offset, tensor.byteLength));
      if (!entry || entry.values[entry.at + STATS_AT + STAT_COLUMNS.indexOf("count")] !== tensor.byteLength / 4) return undefined;
      found.push(entry);
    }
    return {
      name: job.name,
      stats: found.map(({ values, at }) => statsAt(values, at)),
      maxAbsDiff: new Float64Array(0),
      meanAbsDiff: new Float64Array(0),
      sketches: [],
      zeroFraction: found.map(({ values, at }) => values[at + 2]!),
      gridLevels: found.map(({ values, at }) => values[at + 3]!),
    };
  }
}

function keyOf(file: string, offset: number, byteLength: number): string {
  return `${file}\0${offset}\0${byteLength}`;
}
