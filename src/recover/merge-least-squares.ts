/**
 * The least-squares fits of merge detection (detect-merges.ts), per layer on a sample of its
 * values: the products of a candidate set centred on its first member p₁ (computed when first
 * asked for), the weights of one set's fit, and its residual alone in scratch memory for the
 * greedy search's many trials.
 */
import type { LayerProducts } from "./detect-merges-screen.ts";

/** One layer's least-squares fit: the weight of each model of the set, and the residual's squared norm. */
export interface LayerFit {
  readonly weights: Float64Array;
  readonly squaredResidual: number;
}

/** ‖c − fit‖ over every layer. */
export function totalResidual(fits: readonly LayerFit[]): number {
  return Math.sqrt(fits.reduce((sum, f) => sum + f.squaredResidual, 0));
}

/**
 * One layer's inner products, centred on p₁ (set[0]) so that models 1 % apart are not collinear
 * in f64: regressors v₀ = p₁, v_j = set[j] − p₁; target y = c − p₁. Every subset's fit is then
 * a small solve, without touching the samples again. Products are computed when first asked
 * for: the greedy search's first step needs only each regressor with itself, v₀ and y (3m of
 * the m²/2), and most models (fine-tunes) stop there.
 */
class LayerGram implements LayerProducts {
  readonly size: number;
  readonly count: number;
  /** The set's samples of this layer, and v_a once formed (v₀ = p₁ itself). */
  private readonly samples: Float64Array[];
  private readonly columns: (Float64Array | undefined)[];
  private readonly y: Float64Array;
  private readonly products: Float64Array;
  /** ⟨y, y⟩. */
  readonly target: number;

  constructor(samples: readonly (readonly Float64Array[])[], child: number, set: readonly number[], layer: number) {
    const base = samples[set[0]!]![layer]!;
    this.count = set.length;
    this.size = base.length;
    this.samples = set.map((p) => samples[p]![layer]!);
    this.columns = set.map((_, at) => (at === 0 ? base : undefined));
    this.y = difference(samples[child]![layer]!, base);
    this.target = dot(this.y, this.y);
    // m × m Gram, then ⟨v_a, y⟩ in the last row; NaN until computed.
    this.products = new Float64Array((this.count + 1) * this.count).fill(Number.NaN);
  }

  /** ⟨v_a, v_b⟩. */
  gram(a: number, b: number): number {
    const at = Math.max(a, b) * this.count + Math.min(a, b);
    const known = this.products[at]!;
    if (!Number.isNaN(known)) return known;
    return (this.products[at] = dot(this.column(a), this.column(b)));
  }

  private column(a: number): Float64Array {
    return (this.columns[a] ??= difference(this.samples[a]!, this.samples[0]!));
  }

  /** ⟨v_a, y⟩. */
  right(a: number): number {
    const at = this.count * this.count + a;
    const known = this.products[at]!;
    if (!Number.isNaN(known)) return known;
    return (this.products[at] = dot(this.column(a), this.y));
  }
}

/** Each layer's products of `set` (centred on set[0]) and `child`, computed when first asked for. */
export function centredGrams(samples: readonly (readonly Float64Array[])[], child: number, set: readonly number[]): LayerGram[] {
  return samples[child]!.map((_, l) => new LayerGram(samples, child, set, l));
}

/**
 * c − p₁ ≈ Σ_{a ∈ chosen} w_a v_a (chosen includes 0) by the normal equations, returned as
 * weights on the models: 1 + w₀ − Σ_{a>0} w_a on p₁, w_a on the others (in `chosen` order).
 */
export function fitLayer(layer: LayerProducts, chosen: readonly number[]): LayerFit {
  const s = chosen.length;
  const gram = new Float64Array(s * s);
  const right = new Float64Array(s);
  for (let i = 0; i < s; i++) {
    right[i] = layer.right(chosen[i]!);
    for (let j = 0; j < s; j++) gram[i * s + j] = layer.gram(chosen[i]!, chosen[j]!);
  }
  const solution = solveSymmetric(gram, right, s);
  const explained = solution.reduce((sum, w, a) => sum + w * right[a]!, 0);
  const weights = new Float64Array(s);
  let others = 0;
  for (let a = 1; a < s; a++) {
    weights[a] = solution[a]!;
    others += solution[a]!;
  }
  weights[0] = 1 + solution[0]! - others;
  return { weights, squaredResidual: Math.max(0, layer.target - explained) };
}

/**
 * totalResidual(grams.map((gram) => fitLayer(gram, chosen))) without the weights, in scratch
 * memory: the greedy search tries every candidate at every step, and allocating seven small
 * arrays per layer and trial was most of its time. Same operations in the same order, so the
 * same value to the bit.
 */
export function residualOf(grams: readonly LayerProducts[], chosen: readonly number[], scratch: SolveScratch): number {
  const s = chosen.length;
  let total = 0;
  for (const layer of grams) {
    for (let i = 0; i < s; i++) {
      scratch.right[i] = layer.right(chosen[i]!);
      for (let j = 0; j < s; j++) scratch.gram[i * s + j] = layer.gram(chosen[i]!, chosen[j]!);
    }
    const solution = solveSymmetric(scratch.gram, scratch.right, s, scratch);
    let explained = 0;
    for (let a = 0; a < s; a++) explained += solution[a]! * scratch.right[a]!;
    total += Math.max(0, layer.target - explained);
  }
  return Math.sqrt(total);
}

/** Solve buffers for up to `regressors` regressors (residualOf, one search at a time per thread). */
export interface SolveScratch {
  readonly gram: Float64Array;
  readonly right: Float64Array;
  readonly lower: Float64Array;
  readonly z: Float64Array;
  readonly x: Float64Array;
}

/** Buffers for fits of up to `regressors` models (the greedy search's MAX_PARENTS). */
export function solveScratch(regressors: number): SolveScratch {
  return {
    gram: new Float64Array(regressors * regressors),
    right: new Float64Array(regressors),
    lower: new Float64Array(regressors * regressors),
    z: new Float64Array(regressors),
    x: new Float64Array(regressors),
  };
}

/** Solves G x = b for a symmetric positive semi-definite G (m × m) by Cholesky, with a tiny ridge for rank-deficient sets. */
function solveSymmetric(gram: Float64Array, right: Float64Array, m: number, scratch?: SolveScratch): Float64Array {
  let trace = 0;
  for (let a = 0; a < m; a++) trace += gram[a * m + a]!;
  const ridge = 1e-12 * (trace / m || 1);
  const lower = scratch ? scratch.lower.fill(0) : new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b <= a; b++) {
      let sum = gram[a * m + b]! + (a === b ? ridge : 0);
      for (let c = 0; c < b; c++) sum -= lower[a * m + c]! * lower[b * m + c]!;
      lower[a * m + b] = a === b ? Math.sqrt(Math.max(sum, ridge)) : sum / lower[b * m + b]!;
    }
  }
  const z = scratch ? scratch.z : new Float64Array(m);
  for (let a = 0; a < m; a++) {
    let sum = right[a]!;
    for (let c = 0; c < a; c++) sum -= lower[a * m + c]! * z[c]!;
    z[a] = sum / lower[a * m + a]!;
  }
  const x = scratch ? scratch.x : new Float64Array(m);
  for (let a = m - 1; a >= 0; a--) {
    let sum = z[a]!;
    for (let c = a + 1; c < m; c++) sum -= lower[c * m + a]! * x[c]!;
    x[a] = sum / lower[a * m + a]!;
  }
  return x;
}

function difference(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
