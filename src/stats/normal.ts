/**
 * The standard normal distribution, for turning a z statistic into a probability (a pair rule's
 * Stouffer z, src/direction/pair-penalty.ts).
 */

/**
 * erf(x) by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7): enough for a weight in [0, 1];
 * odd, so erf(−x) = −erf(x) exactly.
 */
export function erf(x: number): number {
  if (x === 0) return 0; // the polynomial leaves 1e-9 at 0
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

/** P(|Z| < |z|) for a standard normal Z: how far from chance a z is, 0 at z = 0, → 1 as |z| grows. */
export function twoSidedConfidence(z: number): number {
  return Math.abs(erf(z / Math.SQRT2));
}
