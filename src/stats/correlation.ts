/**
 * Correlation coefficients for the paper's Fig. 2 (weight distance vs tree edge distance,
 * reported as ρ): Pearson on the values, Spearman on their ranks (ties share the average
 * rank, as scipy.stats.spearmanr does). Both accumulate in f64 around the mean.
 */
import { assert } from "../errors.ts";

type Numbers = ArrayLike<number>;

/** Pearson's r of paired samples; NaN when either side is constant. */
export function pearsonCorrelation(x: Numbers, y: Numbers): number {
  checkPairs(x, y);
  const n = x.length;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i]!;
    meanY += y[i]!;
  }
  meanX /= n;
  meanY /= n;
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - meanX;
    const dy = y[i]! - meanY;
    covariance += dx * dy;
    varianceX += dx * dx;
    varianceY += dy * dy;
  }
  if (varianceX === 0 || varianceY === 0) return NaN;
  return Math.max(-1, Math.min(1, covariance / Math.sqrt(varianceX * varianceY)));
}

/** Spearman's ρ: Pearson's r of the average ranks; NaN when either side is constant. */
export function spearmanCorrelation(x: Numbers, y: Numbers): number {
  checkPairs(x, y);
  return pearsonCorrelation(averageRanks(x), averageRanks(y));
}

/** 1-based ranks, tied values sharing the mean of the ranks they span. */
export function averageRanks(values: Numbers): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + 1 + end) / 2; // mean of start+1 … end
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

function checkPairs(x: Numbers, y: Numbers): void {
  assert(x.length === y.length, `correlation: samples differ in length (${x.length} vs ${y.length})`);
  assert(x.length >= 2, `correlation: need at least two pairs (${x.length})`);
  for (let i = 0; i < x.length; i++) assert(Number.isFinite(x[i]!) && Number.isFinite(y[i]!), `correlation: values must be finite (pair ${i})`);
}
