/**
 * What an adapter's weights say about its base. A LoRA update Δ = s · B · A is trained through
 * the base's own layer, and its row and column spaces lean towards the base's dominant
 * singular subspaces. The share of Δ's energy that falls in a candidate weight W's top-k left
 * and right singular subspaces,
 *
 *   alignment(Δ, W) = ‖U_kᵀ Δ‖²_F / ‖Δ‖²_F + ‖Δ V_k‖²_F / ‖Δ‖²_F      (0 … 2; ≈ 2k/n by chance)
 *
 * summed over the adapted layers, picks the right *family* (the tree of the base) every time on
 * VTHR's 192 LoRA children among 5 pre-trained roots, and the right model *within* the family
 * almost never (bench/adapter-base-signal.ts; docs/peft.md): a base and its fine-tunes share
 * their dominant subspaces. So it names a family, never a parent.
 *
 * Δ is never formed: with Δ = s · B · A, ‖Δ‖² = s² tr(BᵀB · AAᵀ) and the projections go
 * through the rank-r factors. W's subspaces come from randomized subspace iteration with
 * oversampling and a Rayleigh–Ritz step (Halko, Martinsson and Tropp 2011, Algs. 4.4 and 5.1).
 */
import { makeSignedUniform } from "../../recover/seeded-random.ts";

/** A weight as read: row-major rows × cols values. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly values: ArrayLike<number>;
}

/** Power iterations of the subspace iteration: each sharpens the top-k subspace against the rest. */
const POWER_ROUNDS = 4;

/** Extra columns carried through the iteration, so the top k converge fast (Halko et al. §4.2). */
const OVERSAMPLING = 8;

/**
 * alignment(Δ, W) for Δ = B · A (the scale cancels), `a` [rank, cols] and `b` [rows, rank]
 * row-major, `k` singular directions of W on each side (at most min(rows, cols)).
 */
export function subspaceAlignment(weight: DenseMatrix, aValues: ArrayLike<number>, bValues: ArrayLike<number>, rank: number, k: number, seed = 1): number {
  const { rows, cols } = weight;
  const width = Math.min(k, rows, cols);
  const { left, right } = topSubspaces({ rows, cols, values: asFloat64(weight.values) }, width, seed);
  const [a, b] = [asFloat64(aValues), asFloat64(bValues)];
  const energy = traceOfProduct(gram(b, rows, rank), outerGram(a, rank, cols), rank);
  if (!(energy > 0)) return 0;
  // ‖U_kᵀ B A‖² = tr((U_kᵀB)ᵀ(U_kᵀB) · AAᵀ); ‖B A V_k‖² = tr(BᵀB · (A V_k)(A V_k)ᵀ).
  const projectedB = multiplyTransposed(left, b, rows, width, rank); // width × rank
  const projectedA = multiply(a, right, rank, cols, width); // rank × width
  const leftEnergy = traceOfProduct(gram(projectedB, width, rank), outerGram(a, rank, cols), rank);
  const rightEnergy = traceOfProduct(gram(b, rows, rank), outerGram(projectedA, rank, width), rank);
  return (leftEnergy + rightEnergy) / energy;
}

/**
 * ml-matrix, loaded on the first adapter aligned: every `mother recover` imports this module (adapter-family.ts), and
 * loading the package took ~0.005 s of CPU at each run's start, most of which never aligns an adapter.
 */
function mlMatrix(): typeof import("ml-matrix") {
  return require("ml-matrix") as typeof import("ml-matrix");
}

/** Orthonormal bases (rows × k and cols × k, row-major) of W's dominant left and right subspaces. */
function topSubspaces(weight: DenseMatrix & { values: Float64Array }, k: number, seed: number): { left: Float64Array; right: Float64Array } {
  const { rows, cols, values } = weight;
  const p = Math.min(k + OVERSAMPLING, rows, cols);
  let right: Float64Array = startingBasis(cols, p, seed);
  let range: Float64Array = new Float64Array(rows * p);
  for (let round = 0; round <= POWER_ROUNDS; round++) {
    range = orthonormalize(multiply(values, right, rows, cols, p), rows, p);
    right = orthonormalize(multiplyTransposed(values, range, rows, cols, p), cols, p);
  }
  // Rayleigh–Ritz: Qᵀ W = S (p × cols); the top-k eigenvectors E of S Sᵀ give U_k = Q E, V_k ∝ Sᵀ E.
  const small = multiplyTransposed(range, values, rows, p, cols);
  const { EigenvalueDecomposition, Matrix } = mlMatrix();
  const eigen = new EigenvalueDecomposition(new Matrix(Array.from({ length: p }, (_, i) => Array.from(outerGramRow(small, p, cols, i)))), {
    assumeSymmetric: true,
  });
  const order = eigen.realEigenvalues.map((value, i) => [value, i] as const).sort((x, y) => y[0] - x[0]);
  const vectors = new Float64Array(p * k);
  order.slice(0, k).forEach(([, column], c) => {
    for (let i = 0; i < p; i++) vectors[i * k + c] = eigen.eigenvectorMatrix.get(i, column);
  });
  const left = multiply(range, vectors, rows, p, k);
  return { left, right: orthonormalize(multiplyTransposed(small, vectors, p, cols, k), cols, k) };
}

/** Starting bases by (cols, p, seed): the same for every weight of a shape, so one adapter's candidates share it. */
const startingBases = new Map<string, Float64Array>();

/** The orthonormalized seeded cols × p start of the iteration (a fresh copy: the iteration does not write it, but callers may). */
function startingBasis(cols: number, p: number, seed: number): Float64Array {
  const key = `${cols} ${p} ${seed}`;
  let basis = startingBases.get(key);
  if (!basis) {
    basis = orthonormalize(makeSignedUniform(cols * p, seed), cols, p);
    if (startingBases.size > 64) startingBases.clear();
    startingBases.set(key, basis);
  }
  return basis.slice();
}

/**
 * The values as a Float64Array (copied exactly from any other array): the products below then
 * see one array type, which the JIT compiles to one fast loop (f32 and f64 mixed made them
 * polymorphic, ~2× slower); every product is formed in f64 either way, so the bits are the same.
 */
function asFloat64(values: ArrayLike<number>): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/** Row i of X Xᵀ for X (n × m). */
function outerGramRow(x: Float64Array, n: number, m: number, i: number): Float64Array {
  const row = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let l = 0; l < m; l++) sum += x[i * m + l]! * x[j * m + l]!;
    row[j] = sum;
  }
  return row;
}

/** X (n × m) · Y (m × p), row-major. */
function multiply(x: Float64Array, y: Float64Array, n: number, m: number, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const xij = x[i * m + j]!;
      if (xij === 0) continue;
      for (let l = 0; l < p; l++) out[i * p + l] = out[i * p + l]! + xij * y[j * p + l]!;
    }
  }
  return out;
}

/** Xᵀ · Y for X (n × m) and Y (n × p): m × p. */
function multiplyTransposed(x: Float64Array, y: Float64Array, n: number, m: number, p: number): Float64Array {
  const out = new Float64Array(m * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const xij = x[i * m + j]!;
      if (xij === 0) continue;
      for (let l = 0; l < p; l++) out[j * p + l] = out[j * p + l]! + xij * y[i * p + l]!;
    }
  }
  return out;
}

/** XᵀX (m × m) of X (n × m). */
function gram(x: Float64Array, n: number, m: number): Float64Array {
  return multiplyTransposed(x, x, n, m, m);
}

/** XXᵀ (n × n) of X (n × m). */
function outerGram(x: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let l = 0; l < m; l++) sum += x[i * m + l]! * x[j * m + l]!;
      out[i * n + j] = sum;
    }
  }
  return out;
}

/** tr(X · Y) of two n × n matrices. */
function traceOfProduct(x: Float64Array, y: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum += x[i * n + j]! * y[j * n + i]!;
  return sum;
}

/** The columns of X (n × k, row-major) made orthonormal (modified Gram–Schmidt; a zero column stays zero). */
export function orthonormalize(x: Float64Array, n: number, k: number): Float64Array {
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += x[i * k + c]! * x[i * k + p]!;
      for (let i = 0; i < n; i++) x[i * k + c] = x[i * k + c]! - dot * x[i * k + p]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += x[i * k + c]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) x[i * k + c] = norm > 0 ? x[i * k + c]! / norm : 0;
  }
  return x;
}
