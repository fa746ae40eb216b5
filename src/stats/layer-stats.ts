/**
 * Per-layer statistics of a weight tensor's value distribution (paper Eq. 3 and Fig. 14).
 * Runs over every weight of every model, so it is two tight passes over the in-memory array:
 *
 *   1. sum, min, max            → mean, histogram range
 *   2. central powers d², d³, d⁴ and a fixed-bin histogram over [min, max]
 *
 * Both passes accumulate in f64. Centring before raising to powers (two-pass) keeps the
 * moments accurate even when |mean| ≫ std, where raw power sums would cancel.
 */
import { assert } from "../errors.ts";
import { layerNotFinite } from "../messages.ts";
import type { LayerStats, ScoreName } from "../types.ts";

/**
 * Histogram bins for the entropy score. 256 bins over [min, max] resolve the bulk of a
 * weight distribution (a few std wide) into ~tens of bins while staying cheap to fill;
 * the entropy is that of the bin probabilities (nats), so it is comparable only between
 * layers summarised with the same bin count.
 */
export const DEFAULT_HISTOGRAM_BINS = 256;

/**
 * Moments, range and histogram entropy of `values`.
 *
 * - variance is the population variance E[(x−μ)²];
 * - skewness = E[(x−μ)³]/σ³; kurtosis = E[(x−μ)⁴]/σ⁴ (Pearson, normal = 3, paper Eq. 3);
 * - entropy = −Σ p_b ln p_b over `histogramBins` equal-width bins spanning [min, max]
 *   (the max value falls in the last bin).
 * A constant layer (min = max) has no shape: variance, skewness, kurtosis and entropy are 0.
 * `histogramBins = 0` skips the histogram (entropy = NaN): filling it is most of the second
 * pass's cost, and recovery needs it only when entropy is the directional score.
 * Throws a MotherError on NaN/±Inf values (a corrupt or overflowed checkpoint), a bug on empty input.
 */
export function layerStats(values: Float32Array | Float64Array, histogramBins = DEFAULT_HISTOGRAM_BINS): LayerStats {
  const count = values.length;
  // Discovery skips empty tensors, so an empty layer here is a caller's bug.
  assert(count > 0, "layerStats: empty layer has no statistics (0 values)");
  assert(Number.isInteger(histogramBins) && histogramBins >= 0, `layerStats: histogram bin count must be a whole number, 0 = no entropy (${histogramBins})`);

  if (histogramBins === 0) return momentsInOnePass(values);

  // 1. sum, min, max. A NaN or ±Inf anywhere makes the f64 sum non-finite (finite f32/f64
  // values summed in f64 cannot overflow for any realistic count).
  // Four partial sums: one running sum is bound by add latency, four keep the core busy.
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  let min = Infinity;
  let max = -Infinity;
  const blocked = count - (count % 4);
  for (let i = 0; i < blocked; i += 4) {
    const x0 = values[i]!;
    const x1 = values[i + 1]!;
    const x2 = values[i + 2]!;
    const x3 = values[i + 3]!;
    sum0 += x0;
    sum1 += x1;
    sum2 += x2;
    sum3 += x3;
    if (x0 < min) min = x0;
    if (x0 > max) max = x0;
    if (x1 < min) min = x1;
    if (x1 > max) max = x1;
    if (x2 < min) min = x2;
    if (x2 > max) max = x2;
    if (x3 < min) min = x3;
    if (x3 > max) max = x3;
  }
  for (let i = blocked; i < count; i++) {
    const x = values[i]!;
    sum0 += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const sum = sum0 + sum1 + sum2 + sum3;
  if (!Number.isFinite(sum)) throw layerNotFinite();
  if (min === max) return { count, mean: min, variance: 0, skewness: 0, kurtosis: 0, min, max, entropy: 0 };

  const mean = sum / count;

  // 2. central moments and histogram.
  const histogram = new Float64Array(histogramBins);
  const binScale = histogramBins / (max - min);
  const lastBin = histogramBins - 1;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < count; i++) {
    const x = values[i]!;
    const d = x - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    const bin = ((x - min) * binScale) | 0;
    histogram[Math.min(bin, lastBin)]!++;
  }
  const variance = m2 / count;
  const skewness = m3 / count / (variance * Math.sqrt(variance));
  const kurtosis = m4 / count / (variance * variance);
  let entropy = 0;
  for (let b = 0; b < histogramBins; b++) {
    const c = histogram[b]!;
    if (c > 0) {
      const p = c / count;
      entropy -= p * Math.log(p);
    }
  }
  return { count, mean, variance, skewness, kurtosis, min, max, entropy };
}

/** Elements averaged for the shift of the one-pass moments. */
export const SHIFT_SAMPLE = 1024;

/**
 * Σy, Σy², Σy³, Σy⁴ of y = x − shift over a layer, and its range: everything the moments need,
 * gathered in one pass (by momentsInOnePass here, or by the SIMD kernel in src/kernels/).
 */
export interface PowerSums {
  readonly shift: number;
  readonly s1: number;
  readonly s2: number;
  readonly s3: number;
  readonly s4: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The shift K for one-pass power sums: the mean of the first SHIFT_SAMPLE values. Any K within
 * a few σ of the mean keeps the f64 conversion to central moments exact to ~1e-12.
 */
export function powerSumShift(values: Float32Array | Float64Array): number {
  const sample = Math.min(values.length, SHIFT_SAMPLE);
  let shift = 0;
  for (let i = 0; i < sample; i++) shift += values[i]!;
  return sample === 0 ? 0 : shift / sample;
}

/**
 * Moments without entropy in ONE pass (the recovery hot path): power sums of x − K, where the
 * shift K is the mean of the first SHIFT_SAMPLE values, then converted to central moments.
 * With K within a fraction of σ of the mean the conversion loses nothing measurable in f64
 * (the two-pass path and this one agree to ~1e-12 relative in the tests), at half the reads.
 */
function momentsInOnePass(values: Float32Array | Float64Array): LayerStats {
  const shift = powerSumShift(values);
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
    const y = x - shift;
    const y2 = y * y;
    s1 += y;
    s2 += y2;
    s3 += y2 * y;
    s4 += y2 * y2;
  }
  return statsFromPowerSums(values.length, { shift, s1, s2, s3, s4, min, max });
}

/**
 * Central moments (entropy NaN: no histogram) from one-pass power sums of `count` values.
 * Throws on NaN/±Inf values, which turn the power sums non-finite.
 */
export function statsFromPowerSums(count: number, sums: PowerSums): LayerStats {
  const { shift, s1, s2, s3, s4, min, max } = sums;
  assert(count > 0, "layerStats: empty layer has no statistics (0 values)");
  if (!Number.isFinite(s4) || !Number.isFinite(s1)) throw layerNotFinite();
  if (min === max) return { count, mean: min, variance: 0, skewness: 0, kurtosis: 0, min, max, entropy: Number.NaN };
  const offset = s1 / count; // mean − shift
  const e2 = s2 / count;
  const e3 = s3 / count;
  const e4 = s4 / count;
  const variance = e2 - offset * offset;
  const m3 = e3 - 3 * offset * e2 + 2 * offset ** 3;
  const m4 = e4 - 4 * offset * e3 + 6 * offset * offset * e2 - 3 * offset ** 4;
  return {
    count,
    mean: shift + offset,
    variance,
    skewness: m3 / (variance * Math.sqrt(variance)),
    kurtosis: m4 / (variance * variance),
    min,
    max,
    entropy: Number.NaN,
  };
}

/** √E[x²] of a layer from its moments: the scale of its weights (and of their storage rounding). */
export function rootMeanSquareOf(stats: LayerStats): number {
  return Math.sqrt(stats.variance + stats.mean * stats.mean);
}

/**
 * Directional score k(u) of one model: the chosen statistic summed over its layers
 * (paper Eq. 3 for kurtosis; the other statistics are the Fig. 14 variants).
 * Throws on an empty layer list, since a model with no scored layers has no direction.
 */
export function directionalScore(stats: readonly LayerStats[], score: ScoreName): number {
  assert(stats.length > 0, `directionalScore: no layers to score (${score})`);
  let total = 0;
  for (const layer of stats) total += layer[score];
  return total;
}
