/**
 * A layer read twice, once for the clustering sample and once for the pass (recover.ts,
 * clusterOnSampleFirst), is read once when the sample covered it whole: the layer reader
 * (layer-reader.ts) takes the pass's result from the sample's.
 */
import { chunkValues, comparedGroups, valueCount, type LayerJob, type LayerResult } from "./layer-pass.ts";

/**
 * The result of `job` taken from that of `sample`, a clustering sample of the same layer read
 * before it (recover.ts, clusterOnSampleFirst), when the sample read the whole layer in the one
 * chunk `job` reads it in: the same values swept by the same kernels in the same order give the
 * same statistics, zeros, grid and pairwise |Δ| bit for bit, the pairs outside `job`'s groups
 * read +∞ as its own pass leaves them. So a small layer is read once, not twice (on 0.33 MB
 * models every distance layer fits in a sample). Undefined when `job` must be read itself: it
 * sketches, asks for entropy, samples, or the sample did not cover the layer in one chunk.
 */
export function resultFromWholeSample(job: LayerJob, sample: LayerJob, result: LayerResult): LayerResult | undefined {
  const count = job.shape.reduce((product, size) => product * size, 1);
  const covered =
    sample.tensors === job.tensors &&
    sample.name === job.name &&
    sample.roles.distance &&
    !sample.roles.sketch &&
    sample.pairGroups === undefined &&
    sample.histogramBins === 0 &&
    job.histogramBins === 0 &&
    job.sampleValues === undefined &&
    !job.roles.sketch &&
    job.probeWidth === undefined &&
    valueCount(sample) === count &&
    chunkValues(sample) === count &&
    chunkValues(job) === count;
  if (!covered) return undefined;
  const n = job.tensors.length;
  const pairs = (values: Float64Array) => (job.roles.distance ? pairsWithin(n, comparedGroups(job), values) : new Float64Array(0));
  return {
    name: job.name,
    stats: [...result.stats],
    maxAbsDiff: pairs(result.maxAbsDiff),
    meanAbsDiff: pairs(result.meanAbsDiff),
    sketches: [],
    zeroFraction: [...result.zeroFraction],
    gridLevels: [...result.gridLevels],
  };
}

/** n × n pair values of `all` (every pair) as assemblePairs lays out a pass over `groups`: +∞ between groups, 0 on the diagonal. */
function pairsWithin(n: number, groups: readonly (readonly number[])[], all: Float64Array): Float64Array {
  const only = groups.length === 1 && groups[0]!.length === n ? groups[0] : undefined;
  // One group of every model: its k × k matrix is the pass's, in its members' order.
  if (only) {
    // The members in order (a tree's own pass): the sample's matrix itself, as it is (nothing writes a
    // layer result's matrices; a fresh copy of each, 24 a tree, was ~1.5 % of a cold tree thread's CPU at set-1000).
    if (all.length === n * n && only.every((member, i) => member === i)) return all;
    if (only.every((member, i) => member === i)) {
      const copy = new Float64Array(n * n);
      copy.set(all.subarray(0, n * n));
      return copy;
    }
    // A loop, not Float64Array.from with a callback: that generic path cost ~0.3 ms a 20-model tree.
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = all[only[i]! * n + only[j]!]!;
    return out;
  }
  const out = new Float64Array(n * n).fill(Infinity);
  for (let i = 0; i < n; i++) out[i * n + i] = 0;
  for (const members of groups) for (const a of members) for (const b of members) out[a * n + b] = all[a * n + b]!;
  return out;
}
