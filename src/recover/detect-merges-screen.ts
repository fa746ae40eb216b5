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
  private readonly centred: Float64Array[][];
  /** R per layer. */
  private readonly reference: Float64Array;
  private readonly offsets: (Float64Array | undefined)[];
  private readonly products = new Map<number, Float64Array>();
  private readonly k: number;

  constructor(private readonly samples: readonly (readonly Float64Array[])[]) {
    this.k = samples.length;
    const r = samples[0] ?? [];
    this.reference = Float64Array.from(r, (layer) => dot(layer, layer));
    this.centred = samples.map((model) => model.map((layer, l) => difference(layer, r[l]!)));
    this.offsets = samples.map(() => undefined);
  }

  /** P(i, j) per layer. */
  pair(i: number, j: number): Float64Array {
    const key = Math.min(i, j) * this.k + Math.max(i, j);
    let known = this.products.get(key);
    if (!known) {
      known = Float64Array.from(this.centred[i]!, (layer, l) => dot(layer, this.centred[j]![l]!));
      this.products.set(key, known);
    }
    return known;
  }

  /** u_i per layer. */
  offset(i: number): Float64Array {
    const r = this.samples[0]!;
    return (this.offsets[i] ??= Float64Array.from(this.centred[i]!, (layer, l) => dot(layer, r[l]!)));
  }

  /** The search's products for `child` over `set` (set[0] = p₁), one per layer. */
  layers(child: number, set: readonly number[]): LayerProducts[] {
    return Array.from(this.reference, (_, l) => new SharedLayer(this, child, set, l, this.reference[l]!, this.samples[child]![l]!.length));
  }
}

/** One layer of MergeScreen.layers: the formulas above. */
class SharedLayer implements LayerProducts {
  readonly target: number;
  readonly count: number;
  private readonly p11: number;
  private readonly c1: number;
  private readonly u1: number;

  constructor(
    private readonly screen: MergeScreen,
    private readonly child: number,
    private readonly set: readonly number[],
    private readonly l: number,
    private readonly reference: number,
    readonly size: number,
  ) {
    this.count = set.length;
    const first = set[0]!;
    this.p11 = screen.pair(first, first)[l]!;
    this.c1 = screen.pair(child, first)[l]!;
    this.u1 = screen.offset(first)[l]!;
    this.target = screen.pair(child, child)[l]! - 2 * this.c1 + this.p11;
  }

  gram(a: number, b: number): number {
    if (a > b) return this.gram(b, a);
    const { screen, set, l, p11, u1 } = this;
    if (b === 0) return p11 + 2 * u1 + this.reference;
    const a1 = screen.pair(set[b]!, set[0]!)[l]!;
    if (a === 0) return a1 - p11 + screen.offset(set[b]!)[l]! - u1;
    return screen.pair(set[a]!, set[b]!)[l]! - screen.pair(set[a]!, set[0]!)[l]! - a1 + p11;
  }

  right(a: number): number {
    const { screen, set, l, p11, c1, u1 } = this;
    if (a === 0) return c1 - p11 + screen.offset(this.child)[l]! - u1;
    return screen.pair(set[a]!, this.child)[l]! - screen.pair(set[a]!, set[0]!)[l]! - c1 + p11;
  }
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
