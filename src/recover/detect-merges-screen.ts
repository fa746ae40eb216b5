/**
 * A cheap first pass of merge detection's least-squares search (detect-merges.ts). The search
 * needs, per layer, inner products between the child c, its nearest candidate p₁ and the other
 * candidates; computed per child (as the full fit does, on columns centred on p₁) they cost
 * ~20 ms of a 20-model tree's ~50 ms. Here they come from products shared by every child of the
 * tree, each computed once per pair and layer:
 *
 *   P(i, j) = ⟨s_i − r, s_j − r⟩,  u_i = ⟨s_i − r, r⟩,  R = ⟨r, r⟩   (r: the tree's first model)
 *
 * Centred on r, as the full fit is centred on p₁, so that models 1 % apart are not collinear in
 * f64. With the full fit's regressors v₀ = p₁, v_a = p_a − p₁ and target y = c − p₁:
 *
 *   ⟨v₀, v₀⟩ = P(1,1) + 2u₁ + R                 ⟨y, y⟩ = P(c,c) − 2P(c,1) + P(1,1)
 *   ⟨v₀, v_a⟩ = P(a,1) − P(1,1) + u_a − u₁       ⟨v₀, y⟩ = P(1,c) − P(1,1) + u_c − u₁
 *   ⟨v_a, v_b⟩ = P(a,b) − P(a,1) − P(b,1) + P(1,1)   ⟨v_a, y⟩ = P(a,c) − P(a,1) − P(1,c) + P(1,1)
 *
 * The search runs on these with its bars loosened by SCREEN_SLACK (the products round
 * differently, ~1e-12 relative); a child it rejects has no merge. Most models are fine-tunes
 * and stop here; a child that passes is searched again exactly as before (fitMerge), so the
 * merges found are bit for bit those of the full search.
 */

/** One layer's inner products as the greedy search reads them (regressor 0 = p₁, a > 0 = p_a − p₁, target c − p₁). */
export interface LayerProducts {
  /** Sample values in the layer. */
  readonly size: number;
  /** Regressors: the candidate set's size. */
  readonly count: number;
  /** ⟨y, y⟩. */
  readonly target: number;
  /** ⟨v_a, v_b⟩. */
  gram(a: number, b: number): number;
  /** ⟨v_a, y⟩. */
  right(a: number): number;
}

/** Relative loosening of the search's bars when it runs on shared products: far above their rounding (~1e-12), far below any margin a decision rests on. */
export const SCREEN_SLACK = 1e-3;

/** Inner products of one tree's merge samples (samples[m][l]), each computed when first asked for. */
export class MergeScreen {
  /** R per layer. */
  private readonly reference: Float64Array;
  private readonly offsets: (Float64Array | undefined)[];
  private readonly products = new Map<number, Float64Array>();
  private readonly k: number;

  constructor(private readonly samples: readonly (readonly Float64Array[])[]) {
    this.k = samples.length;
    this.reference = Float64Array.from(samples[0] ?? [], (r) => dot(r, r));
    this.offsets = samples.map(() => undefined);
  }

  /** P(i, j) per layer. */
  pair(i: number, j: number): Float64Array {
    const key = Math.min(i, j) * this.k + Math.max(i, j);
    let known = this.products.get(key);
    if (!known) {
      const r = this.samples[0]!;
      known = Float64Array.from(this.samples[i]!, (layer, l) => centredDot(layer, this.samples[j]![l]!, r[l]!));
      this.products.set(key, known);
    }
    return known;
  }

  /** u_i per layer. */
  offset(i: number): Float64Array {
    const r = this.samples[0]!;
    return (this.offsets[i] ??= Float64Array.from(this.samples[i]!, (layer, l) => offsetDot(layer, r[l]!)));
  }

  /** The search's products for `child` over `set` (set[0] = p₁), one per layer. */
  layers(child: number, set: readonly number[]): LayerProducts[] {
    // Every product the search may ask for, gathered once per child: models set[0…m−1], then c.
    const members = [...set, child];
    const n = members.length;
    const pairs = members.map((i) => members.map((j) => this.pair(i, j)));
    const offsets = members.map((i) => this.offset(i));
    return Array.from(this.reference, (reference, l) => {
      const products = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) products[i * n + j] = pairs[i]![j]![l]!;
      return new SharedLayer(
        products,
        Float64Array.from(offsets, (u) => u[l]!),
        reference,
        set.length,
        this.samples[child]![l]!.length,
      );
    });
  }
}

/**
 * One layer of MergeScreen.layers: the formulas above on P among set[0…m−1] and c (index m),
 * with u and R of this layer.
 */
class SharedLayer implements LayerProducts {
  readonly target: number;

  constructor(
    private readonly products: Float64Array,
    private readonly offsets: Float64Array,
    private readonly reference: number,
    readonly count: number,
    readonly size: number,
  ) {
    const c = count;
    this.target = this.p(c, c) - 2 * this.p(c, 0) + this.p(0, 0);
  }

  private p(i: number, j: number): number {
    return this.products[i * (this.count + 1) + j]!;
  }

  gram(a: number, b: number): number {
    if (a > b) return this.gram(b, a);
    const p11 = this.p(0, 0);
    if (b === 0) return p11 + 2 * this.offsets[0]! + this.reference;
    if (a === 0) return this.p(b, 0) - p11 + this.offsets[b]! - this.offsets[0]!;
    return this.p(a, b) - this.p(a, 0) - this.p(b, 0) + p11;
  }

  right(a: number): number {
    const c = this.count;
    const p11 = this.p(0, 0);
    if (a === 0) return this.p(0, c) - p11 + this.offsets[c]! - this.offsets[0]!;
    return this.p(a, c) - this.p(a, 0) - this.p(0, c) + p11;
  }
}

/** ⟨a − r, b − r⟩, without forming the differences. */
function centredDot(a: Float64Array, b: Float64Array, r: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - r[i]!) * (b[i]! - r[i]!);
  return sum;
}

/** ⟨a − r, r⟩. */
function offsetDot(a: Float64Array, r: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - r[i]!) * r[i]!;
  return sum;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
