/**
 * Scale-free spectral statistics of a weight matrix (issue #13 item 2: signals that might hold
 * under weight decay, which shrinks every weight and so moves variance and the distance from
 * init, but not the shape of the spectrum). From the eigenvalues λᵢ = σᵢ² of W Wᵀ (the smaller
 * Gram matrix):
 *
 * - stable rank ‖W‖_F² / ‖W‖₂² = Σλ / max λ (Rudelson & Vershynin): training concentrates
 *   energy in a few directions, so it is expected to fall along a lineage;
 * - effective rank exp(H(p)), pᵢ = σᵢ / Σσ (Roy & Vetterli 2007);
 * - the power-law exponent α of the empirical spectral density's tail (Martin & Mahoney 2021,
 *   "heavy-tailed self-regularization"): α falls as a layer learns more correlations. Fitted by
 *   maximum likelihood, α = 1 + n / Σ ln(λᵢ / λ_min), with λ_min the eigenvalue that minimises
 *   the Kolmogorov–Smirnov distance of the tail (Clauset, Shalizi & Newman 2009, as WeightWatcher does).
 *
 * These are hypotheses: the leaderboard measures which way each moves (docs/direction.md).
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { assert } from "../errors.ts";

/** The spectral statistics of one layer (scale-free: multiplying W by c changes none). */
export interface SpectralStats {
  readonly stableRank: number;
  readonly effectiveRank: number;
  /** ESD tail exponent; NaN when the spectrum has too few distinct eigenvalues to fit. */
  readonly alpha: number;
}

/** Fewest eigenvalues a power-law tail is fitted to (fewer give an α that is mostly noise). */
const MIN_TAIL = 5;

/** The eigenvalues of W Wᵀ (or Wᵀ W, whichever is smaller) of a row-major rows × cols matrix, descending, ≥ 0. */
export function gramEigenvalues(values: Float32Array | Float64Array, rows: number, cols: number): Float64Array {
  assert(values.length === rows * cols, `gramEigenvalues: ${values.length} values for ${rows} × ${cols}`);
  const small = Math.min(rows, cols);
  const byRows = rows <= cols;
  const gram = new Float64Array(small * small);
  if (byRows) {
    for (let i = 0; i < rows; i++) {
      for (let j = i; j < rows; j++) {
        let sum = 0;
        for (let k = 0; k < cols; k++) sum += values[i * cols + k]! * values[j * cols + k]!;
        gram[i * small + j] = gram[j * small + i] = sum;
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const row = r * cols;
      for (let i = 0; i < cols; i++) {
        const a = values[row + i]!;
        if (a === 0) continue;
        for (let j = i; j < cols; j++) gram[i * small + j]! += a * values[row + j]!;
      }
    }
    for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) gram[i * small + j] = gram[j * small + i]!;
  }
  const matrix = new Matrix(Array.from({ length: small }, (_, i) => Array.from(gram.subarray(i * small, (i + 1) * small))));
  const eigen = new EigenvalueDecomposition(matrix, { assumeSymmetric: true }).realEigenvalues;
  return Float64Array.from(eigen, (value) => Math.max(0, value))
    .sort()
    .reverse();
}

/** Stable rank, effective rank and ESD α from eigenvalues of W Wᵀ (any order). */
export function spectralFromEigenvalues(eigenvalues: Float64Array): SpectralStats {
  const sorted = Float64Array.from(eigenvalues).sort().reverse();
  const top = sorted[0] ?? 0;
  let energy = 0;
  let singular = 0;
  for (const value of sorted) {
    energy += value;
    singular += Math.sqrt(value);
  }
  let entropy = 0;
  for (const value of sorted) {
    const p = Math.sqrt(value) / singular;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return {
    stableRank: top > 0 ? energy / top : Number.NaN,
    effectiveRank: singular > 0 ? Math.exp(entropy) : Number.NaN,
    alpha: powerLawAlpha(sorted),
  };
}

/** The layer's spectral statistics (row-major rows × cols values). */
export function spectralStats(values: Float32Array | Float64Array, rows: number, cols: number): SpectralStats {
  return spectralFromEigenvalues(gramEigenvalues(values, rows, cols));
}

/**
 * Power-law exponent of the tail of `descending` (positive values), by maximum likelihood with
 * the tail start chosen by the smallest Kolmogorov–Smirnov distance (at least MIN_TAIL values,
 * at most all but the smallest value).
 */
export function powerLawAlpha(descending: Float64Array): number {
  const positive = descending.filter((value) => value > 0);
  let best = Number.NaN;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let n = MIN_TAIL; n < positive.length; n++) {
    const xmin = positive[n - 1]!;
    let logSum = 0;
    for (let i = 0; i < n; i++) logSum += Math.log(positive[i]! / xmin);
    if (logSum <= 0) continue;
    const alpha = 1 + n / logSum;
    // KS distance between the tail's empirical CDF and the fitted one, P(X ≤ x) = 1 − (x / xmin)^(1 − α).
    let distance = 0;
    for (let i = 0; i < n; i++) {
      const x = positive[n - 1 - i]!;
      const fitted = 1 - (x / xmin) ** (1 - alpha);
      distance = Math.max(distance, Math.abs((i + 1) / n - fitted), Math.abs(i / n - fitted));
    }
    if (distance < bestDistance) {
      bestDistance = distance;
      best = alpha;
    }
  }
  return best;
}
