/**
 * Singular values without singular vectors, for counting how many exceed a threshold
 * (the rank in ℓ_LoRA, paper Eq. 2):
 *
 *   1. Householder bidiagonalization A = U B Vᵀ (values only, U and V are never formed)
 *   2. σ(B) are the positive eigenvalues of the Golub–Kahan matrix [[0, B], [Bᵀ, 0]], a
 *      symmetric tridiagonal matrix with zero diagonal and off-diagonal d₁, e₁, d₂, e₂, …
 *   3. a Sturm count on it tells how many σ lie below any x, so "rank above τ" is one O(n)
 *      pass and any single σ is a bisection
 *
 * Both steps are backward stable: computed σ are within a few ε·σ_max of the true ones.
 */

/** The bidiagonal B of a matrix: diagonal d (length p) and superdiagonal e (length p − 1). */
export interface Bidiagonal {
  readonly diagonal: Float64Array;
  readonly superdiagonal: Float64Array;
}

/**
 * Reduces a rows×cols row-major matrix to upper bidiagonal form with Householder reflections
 * from both sides. `matrix` is overwritten. Requires rows ≥ cols (transpose first otherwise);
 * costs ≈ 4·rows·cols² − 4/3·cols³ flops.
 */
export function bidiagonalize(matrix: Float64Array, rows: number, cols: number): Bidiagonal {
  if (rows < cols) throw new RangeError(`bidiagonalize needs rows ≥ cols (got ${rows}×${cols})`);
  const diagonal = new Float64Array(cols);
  const superdiagonal = new Float64Array(Math.max(cols - 1, 0));
  const reflector = new Float64Array(Math.max(rows, cols));
  const projection = new Float64Array(cols);
  for (let k = 0; k < cols; k++) {
    // left reflector: zero column k below the diagonal
    let norm = 0;
    for (let i = k; i < rows; i++) norm += matrix[i * cols + k]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) {
      diagonal[k] = 0;
    } else {
      const head = matrix[k * cols + k]!;
      const alpha = head > 0 ? -norm : norm;
      let vNorm2 = 0;
      for (let i = k; i < rows; i++) {
        const v = i === k ? head - alpha : matrix[i * cols + k]!;
        reflector[i] = v;
        vNorm2 += v * v;
      }
      diagonal[k] = alpha;
      if (vNorm2 > 0) {
        const beta = 2 / vNorm2;
        projection.fill(0, k + 1, cols);
        // projection = vᵀ A[k:, k+1:], two rows per sweep (halves the loads of `projection`)
        let i = k;
        for (; i + 1 < rows; i += 2) {
          const v0 = reflector[i]!;
          const v1 = reflector[i + 1]!;
          const row0 = i * cols;
          const row1 = row0 + cols;
          for (let j = k + 1; j < cols; j++) projection[j]! += v0 * matrix[row0 + j]! + v1 * matrix[row1 + j]!;
        }
        if (i < rows) {
          const v = reflector[i]!;
          const row = i * cols;
          for (let j = k + 1; j < cols; j++) projection[j]! += v * matrix[row + j]!;
        }
        for (let r = k; r < rows; r++) {
          const scale = beta * reflector[r]!;
          if (scale === 0) continue;
          const row = r * cols;
          for (let j = k + 1; j < cols; j++) matrix[row + j]! -= scale * projection[j]!;
        }
      }
    }
    if (k >= cols - 1) continue;

    // right reflector: zero row k right of the superdiagonal
    const rowK = k * cols;
    norm = 0;
    for (let j = k + 1; j < cols; j++) norm += matrix[rowK + j]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) {
      superdiagonal[k] = 0;
      continue;
    }
    const head = matrix[rowK + k + 1]!;
    const alpha = head > 0 ? -norm : norm;
    let vNorm2 = 0;
    for (let j = k + 1; j < cols; j++) {
      const v = j === k + 1 ? head - alpha : matrix[rowK + j]!;
      reflector[j] = v;
      vNorm2 += v * v;
    }
    superdiagonal[k] = alpha;
    if (vNorm2 === 0) continue;
    const beta = 2 / vNorm2;
    // A[k+1:, k+1:] ← A (I − β v vᵀ), two rows per sweep (halves the loads of `reflector`)
    let i = k + 1;
    for (; i + 1 < rows; i += 2) {
      const row0 = i * cols;
      const row1 = row0 + cols;
      let dot0 = 0;
      let dot1 = 0;
      for (let j = k + 1; j < cols; j++) {
        const v = reflector[j]!;
        dot0 += matrix[row0 + j]! * v;
        dot1 += matrix[row1 + j]! * v;
      }
      const scale0 = beta * dot0;
      const scale1 = beta * dot1;
      for (let j = k + 1; j < cols; j++) {
        const v = reflector[j]!;
        matrix[row0 + j]! -= scale0 * v;
        matrix[row1 + j]! -= scale1 * v;
      }
    }
    if (i < rows) {
      const row = i * cols;
      let dot = 0;
      for (let j = k + 1; j < cols; j++) dot += matrix[row + j]! * reflector[j]!;
      const scale = beta * dot;
      for (let j = k + 1; j < cols; j++) matrix[row + j]! -= scale * reflector[j]!;
    }
  }
  return { diagonal, superdiagonal };
}

/** Number of singular values of the bidiagonal strictly greater than `threshold` (≥ 0). */
export function countSingularValuesAbove(bidiagonal: Bidiagonal, threshold: number): number {
  const { diagonal, superdiagonal } = bidiagonal;
  const p = diagonal.length;
  if (p === 0) return 0;
  // Sturm count of the 2p×2p Golub–Kahan matrix at x = threshold: the number of negative
  // pivots of its LDLᵀ is the number of eigenvalues below x; eigenvalues are ±σᵢ.
  let largest = 0;
  for (let i = 0; i < p; i++) largest = Math.max(largest, Math.abs(diagonal[i]!));
  for (let i = 0; i < p - 1; i++) largest = Math.max(largest, Math.abs(superdiagonal[i]!));
  if (largest === 0) return 0;
  const pivotFloor = Number.MIN_VALUE * 2 ** 60 * Math.max(1, largest * largest);
  let below = 0;
  let pivot = -threshold;
  if (Math.abs(pivot) <= pivotFloor) pivot = -pivotFloor;
  if (pivot < 0) below++;
  for (let i = 1; i < 2 * p; i++) {
    const offDiagonal = i % 2 === 1 ? diagonal[(i - 1) >> 1]! : superdiagonal[(i >> 1) - 1]!;
    pivot = -threshold - (offDiagonal * offDiagonal) / pivot;
    if (Math.abs(pivot) <= pivotFloor) pivot = -pivotFloor;
    if (pivot < 0) below++;
  }
  return 2 * p - below;
}

/**
 * The `index`-th largest singular value (0 = largest) of the bidiagonal, by bisection on the
 * Sturm count, to relative precision `relativeTolerance`.
 */
export function bidiagonalSingularValue(bidiagonal: Bidiagonal, index: number, relativeTolerance = 1e-12): number {
  const { diagonal, superdiagonal } = bidiagonal;
  const p = diagonal.length;
  if (index < 0 || index >= p) throw new RangeError(`singular value index ${index} outside 0..${p - 1}`);
  // Gershgorin bound on the Golub–Kahan matrix: every σ ≤ max(|dᵢ| + |eᵢ₋₁|, |dᵢ| + |eᵢ|).
  let upper = 0;
  for (let i = 0; i < p; i++) {
    const left = i > 0 ? Math.abs(superdiagonal[i - 1]!) : 0;
    const right = i < p - 1 ? Math.abs(superdiagonal[i]!) : 0;
    upper = Math.max(upper, Math.abs(diagonal[i]!) + Math.max(left, right));
  }
  let low = 0;
  let high = upper;
  if (countSingularValuesAbove(bidiagonal, 0) <= index) return 0;
  // invariant: count(> low) > index ≥ count(> high)
  for (let step = 0; step < 200 && high - low > relativeTolerance * high; step++) {
    const middle = 0.5 * (low + high);
    if (countSingularValuesAbove(bidiagonal, middle) > index) low = middle;
    else high = middle;
  }
  return 0.5 * (low + high);
}

/** All singular values of the bidiagonal, largest first (bisection; O(p²) — for checks and small matrices). */
export function bidiagonalSingularValues(bidiagonal: Bidiagonal): Float64Array {
  const p = bidiagonal.diagonal.length;
  return Float64Array.from({ length: p }, (_, index) => bidiagonalSingularValue(bidiagonal, index));
}
