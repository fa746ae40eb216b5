/**
 * The general pairwise likelihood ratio of a linear non-Gaussian pair (Hyvärinen & Smith, JMLR
 * 2013, §3: "Pairwise likelihood ratios for estimation of non-Gaussian structural equation
 * models"), with each density's entropy by the maximum-entropy approximation of Hyvärinen (NIPS
 * 1998, "New approximations of differential entropy for independent component analysis").
 *
 * For standardized x, y with correlation ρ and the standardized residuals r_y = (y − ρx)/√(1−ρ²),
 * r_x = (x − ρy)/√(1−ρ²), the mean log-likelihood ratio of x → y over y → x is
 *   R = −H(x) − H(r_y) + H(y) + H(r_x) = J(x) + J(r_y) − J(y) − J(r_x)
 * (J the negentropy; the Jacobian terms cancel). Unlike the tanh form (pair-evidence.ts), which
 * approximates R for a common super-Gaussian density, R weighs the cause's and the residual's
 * own non-Gaussianity, so it holds when the update is heavier-tailed than the weights it is added
 * to (SGD's updates on near-Gaussian weights), where the tanh form points child → parent.
 *
 * Its standard error comes from BLOCKS contiguous blocks of the layer (each block's R from its
 * own means): the approximation is a nonlinear function of means, so no per-element term exists.
 */

/** J(u) ≈ K1·(E[log cosh u] − GAMMA)² + K2·(E[u·exp(−u²/2)])² (Hyvärinen 1998, Eq. 9 with G1, G2). */
const K1 = 79.047;
const K2 = 7.4129;
/** E[log cosh ν] for a standard Gaussian ν. */
const GAMMA = 0.37457;
/** Blocks the standard error is estimated from (fewer when the layer is short: at least 8 elements a block). */
export const ENTROPY_BLOCKS = 32;

/** A likelihood ratio and its standard error (positive ratio: a → b). */
export interface EntropyRatio {
  readonly ratio: number;
  readonly standardError: number;
}

/** Negentropy from E[log cosh u] and E[u·exp(−u²/2)]. */
export function negentropy(logCosh: number, gaussianMoment: number): number {
  return K1 * (logCosh - GAMMA) ** 2 + K2 * gaussianMoment ** 2;
}

/** log cosh u without overflow for large |u|. */
function logCosh(u: number): number {
  const abs = Math.abs(u);
  return abs + Math.log1p(Math.exp(-2 * abs)) - Math.LN2;
}

/** R from the eight means (x, y, r_y, r_x; log cosh then u·exp(−u²/2) each). */
function ratioOf(sums: Float64Array, at: number, count: number): number {
  const j = (k: number) => negentropy(sums[at + 2 * k]! / count, sums[at + 2 * k + 1]! / count);
  return j(0) + j(2) - j(1) - j(3);
}

/**
 * R for a → b of one layer, given each model's mean and inverse standard deviation and ρ (as
 * pairLayerEvidence computed them); undefined when |ρ| ≈ 1 (no residual) or the layer is too short.
 */
export function entropyRatio(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  standardize: { readonly meanA: number; readonly invA: number; readonly meanB: number; readonly invB: number; readonly rho: number },
): EntropyRatio | undefined {
  const n = a.length;
  const { meanA, invA, meanB, invB, rho } = standardize;
  const residualScale = Math.sqrt(1 - rho * rho);
  const blocks = Math.min(ENTROPY_BLOCKS, Math.floor(n / 8));
  // Below 10⁻⁶ the residual is rounding of ρ (identical layers), not an update.
  if (!(residualScale > 1e-6) || blocks < 2) return undefined;
  const inv = 1 / residualScale;
  // Per block: Σ log cosh u and Σ u·exp(−u²/2) for u = x, y, r_y, r_x (8 sums), then the whole layer's.
  const sums = new Float64Array(8 * (blocks + 1));
  const whole = 8 * blocks;
  for (let block = 0; block < blocks; block++) {
    const start = Math.floor((block * n) / blocks);
    const end = Math.floor(((block + 1) * n) / blocks);
    const at = 8 * block;
    for (let i = start; i < end; i++) {
      const x = (a[i]! - meanA) * invA;
      const y = (b[i]! - meanB) * invB;
      const ry = (y - rho * x) * inv;
      const rx = (x - rho * y) * inv;
      sums[at]! += logCosh(x);
      sums[at + 1]! += x * Math.exp(-0.5 * x * x);
      sums[at + 2]! += logCosh(y);
      sums[at + 3]! += y * Math.exp(-0.5 * y * y);
      sums[at + 4]! += logCosh(ry);
      sums[at + 5]! += ry * Math.exp(-0.5 * ry * ry);
      sums[at + 6]! += logCosh(rx);
      sums[at + 7]! += rx * Math.exp(-0.5 * rx * rx);
    }
    for (let k = 0; k < 8; k++) sums[whole + k]! += sums[at + k]!;
  }
  const ratio = ratioOf(sums, whole, n);
  let mean = 0;
  const perBlock = new Float64Array(blocks);
  for (let block = 0; block < blocks; block++) {
    const count = Math.floor(((block + 1) * n) / blocks) - Math.floor((block * n) / blocks);
    perBlock[block] = ratioOf(sums, 8 * block, count);
    mean += perBlock[block]! / blocks;
  }
  let squares = 0;
  for (const value of perBlock) squares += (value - mean) ** 2;
  return { ratio, standardError: Math.sqrt(squares / (blocks - 1) / blocks) };
}
