/**
 * Pairwise direction evidence (issue #13): a test on the two models of an edge, not a score of
 * each model. If child = a·parent + u with the update u independent of the parent's weights
 * (weight decay only changes a), the direction of a linear non-Gaussian pair is identifiable from
 * the joint distribution of the two standardized weight vectors x, y (Hyvärinen & Smith, JMLR
 * 2013, "Pairwise likelihood ratios for estimation of non-Gaussian structural equation models").
 * Per layer, over its elements (x from model a, y from model b, each standardized per layer):
 *
 * - cumulant: ρ·E[x³y − xy³] = ρ²(1−ρ²)·excess kurtosis(x) when x → y; signed by the kurtosis;
 * - tanh: ρ·E[x·tanh(y) − tanh(x)·y], their likelihood-ratio approximation for super-Gaussian
 *   data (sub-Gaussian data flips it: signed by the kurtosis too);
 * - heteroscedasticity: regress each on the other; the residual of the true direction
 *   (y − ρx = u, scaled) is independent of its regressor, the reverse one's is not, so
 *   |corr(r_back², y²)| − |corr(r_forward², x²)| > 0 when x → y (needs no non-Gaussian
 *   cause: a Gaussian parent with a non-Gaussian update is identifiable too);
 * - entropy: their general likelihood ratio, each density's entropy approximated (pair-entropy.ts).
 *
 * Each is positive when a → b. Per layer, `mean` and `variance` are of the per-element terms,
 * so a layer's z is mean / √(variance / n) and layers combine as a weighted z (pair-rule.ts).
 */

import { entropyRatio, type EntropyRatio } from "./pair-entropy.ts";

/** One estimator's per-element terms over a layer: their mean and variance. */
export interface ElementTerms {
  readonly mean: number;
  readonly variance: number;
}

/** The pairwise statistics of one layer of two models (a = x, b = y). */
export interface PairLayerEvidence {
  readonly n: number;
  /** Correlation of the two weight vectors. */
  readonly rho: number;
  /** Excess kurtosis of each (0 for a Gaussian). */
  readonly kurtosisA: number;
  readonly kurtosisB: number;
  /** Terms x³y − xy³ (not yet signed by ρ or the kurtosis). */
  readonly cumulant: ElementTerms;
  /** Terms x·tanh(y) − tanh(x)·y (not yet signed). */
  readonly tanh: ElementTerms;
  /** |corr(r², regressor²)| of each regression: a on b's residual against b (`backward`), b on a's against a (`forward`). */
  readonly heteroForward: number;
  readonly heteroBackward: number;
  /** The general likelihood ratio of a → b (pair-entropy.ts); undefined when it cannot be formed (|ρ| = 1, a short layer). */
  readonly entropy: EntropyRatio | undefined;
  /**
   * Excess kurtosis of the difference b − a in the weights' own units: the update's shape when one
   * is the other's parent (the same either way round). Sign-based updates (Adam) are light-tailed,
   * gradient-proportional ones (SGD) heavy-tailed.
   */
  readonly kurtosisUpdate: number;
}

/** Which costly estimators a read forms: the entropy ratio (~four transcendental functions an element) only for the rules that read it. */
export interface PairEvidenceOptions {
  /** Form the entropy ratio (default true); without it `entropy` is undefined, every other field the same. */
  readonly entropy?: boolean;
}

/**
 * One model's layer prepared once for all its pairs: its mean, scale and tanh(x) of the standardized
 * x = (v − mean)·inv depend on that model alone, so a read of k models forms the tanh k times, not
 * twice for each of k(k−1)/2 pairs (x itself is re-formed per pair: cheaper than holding it).
 */
export interface StandardizedLayer {
  readonly values: Float32Array | Float64Array;
  readonly mean: number;
  /** 1 / the population standard deviation. */
  readonly inv: number;
  readonly tanh: Float64Array;
}

/** `values` standardized (see StandardizedLayer); undefined when constant or shorter than two. */
export function standardizeLayer(values: Float32Array | Float64Array): StandardizedLayer | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  if (!(squares > 0)) return undefined;
  const inv = 1 / Math.sqrt(squares / n);
  const tanh = new Float64Array(n);
  for (let i = 0; i < n; i++) tanh[i] = Math.tanh((values[i]! - mean) * inv);
  return { values, mean, inv, tanh };
}

/** The statistics of one layer held by both models (`a` and `b` the same length); undefined when either is constant. */
export function pairLayerEvidence(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  options: PairEvidenceOptions = {},
): PairLayerEvidence | undefined {
  if (a.length !== b.length) return undefined;
  const sa = standardizeLayer(a);
  const sb = standardizeLayer(b);
  return sa && sb ? standardizedPairEvidence(sa, sb, options) : undefined;
}

/** pairLayerEvidence of two layers already standardized (the same length). */
export function standardizedPairEvidence(
  sa: StandardizedLayer,
  sb: StandardizedLayer,
  { entropy = true }: PairEvidenceOptions = {},
): PairLayerEvidence | undefined {
  const { values: a, mean: meanA, inv: invA, tanh: tanhA } = sa;
  const { values: b, mean: meanB, inv: invB, tanh: tanhB } = sb;
  const n = a.length;
  if (n !== b.length) return undefined;
  // Second pass on standardized values: joint moments up to order four and the tanh terms.
  let xy = 0;
  let x4 = 0;
  let y4 = 0;
  let x3y = 0;
  let xy3 = 0;
  let x2y2 = 0;
  let cumSum = 0;
  let cumSq = 0;
  let tanhSum = 0;
  let tanhSq = 0;
  // The difference's own moments (raw units, means aside): summed directly, since from the standardized ones at ρ ≈ 1 they cancel.
  let d2 = 0;
  let d4 = 0;
  const meanDifference = meanB - meanA;
  for (let i = 0; i < n; i++) {
    const d = b[i]! - a[i]! - meanDifference;
    d2 += d * d;
    d4 += d * d * d * d;
    const x = (a[i]! - meanA) * invA;
    const y = (b[i]! - meanB) * invB;
    const x2 = x * x;
    const y2 = y * y;
    xy += x * y;
    x4 += x2 * x2;
    y4 += y2 * y2;
    x3y += x2 * x * y;
    xy3 += x * y2 * y;
    x2y2 += x2 * y2;
    const cum = x * y * (x2 - y2);
    cumSum += cum;
    cumSq += cum * cum;
    const th = x * tanhB[i]! - tanhA[i]! * y;
    tanhSum += th;
    tanhSq += th * th;
  }
  const rho = xy / n;
  const m = { x4: x4 / n, y4: y4 / n, x3y: x3y / n, xy3: xy3 / n, x2y2: x2y2 / n };
  return {
    n,
    rho,
    kurtosisA: m.x4 - 3,
    kurtosisB: m.y4 - 3,
    cumulant: terms(cumSum, cumSq, n),
    tanh: terms(tanhSum, tanhSq, n),
    heteroForward: residualDependence(rho, m.x4, m.x3y, m.x2y2, m.xy3, m.y4),
    heteroBackward: residualDependence(rho, m.y4, m.xy3, m.x2y2, m.x3y, m.x4),
    entropy: entropy ? entropyRatio(a, b, { meanA, invA, meanB, invB, rho }) : undefined,
    kurtosisUpdate: d2 > 0 ? d4 / n / (d2 / n) ** 2 - 3 : 0,
  };
}

function terms(sum: number, sumSq: number, n: number): ElementTerms {
  const mean = sum / n;
  return { mean, variance: Math.max(0, sumSq / n - mean * mean) };
}

/**
 * |corr(r², x²)| for the residual r = y − ρx of regressing standardized y on standardized x, from
 * the joint moments E[x⁴], E[x³y], E[x²y²], E[xy³], E[y⁴] (E[x²] = E[y²] = 1, E[xy] = ρ).
 */
export function residualDependence(rho: number, x4: number, x3y: number, x2y2: number, xy3: number, y4: number): number {
  // r² = y² − 2ρxy + ρ²x²; E[r²] = 1 − ρ².
  const r2 = 1 - rho * rho;
  const r2x2 = x2y2 - 2 * rho * x3y + rho * rho * x4;
  // E[r⁴] = E[(y − ρx)⁴] expanded; E[x³y]… are the only fourth-order moments there are.
  const r4 = y4 - 4 * rho * xy3 + 6 * rho * rho * x2y2 - 4 * rho ** 3 * x3y + rho ** 4 * x4;
  const covariance = r2x2 - r2;
  const varR2 = r4 - r2 * r2;
  const varX2 = x4 - 1;
  if (!(varR2 > 0 && varX2 > 0)) return 0;
  return Math.abs(covariance) / Math.sqrt(varR2 * varX2);
}
