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
import { loadedNativeKernels, type NativeKernels } from "../kernels/native-kernels.ts";

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
  /** r's samples, every layer after the other: offsets[l] … offsets[l + 1] is layer l. */
  private readonly first: Float64Array;
  private readonly offsets: Int32Array;
  private readonly models: (Float64Array | undefined)[];
  private readonly differences: (Float64Array | undefined)[];
  private readonly products = new Map<number, Float64Array>();
  private readonly k: number;
  /** k × (values per model): the differences s_i − r, model i's at i · values per model (the native products use its start as one layer's scratch). */
  private readonly memory: Float64Array;
  private readonly ownsScratch: boolean;
  /** Every P(i, j) (at (i·k + j)·layers) and u_i (at i·layers), when computed at once (EAGER_MODELS). */
  private readonly all: { readonly pairs: Float64Array; readonly offsets: Float64Array } | undefined;
  /** `native`: the kernels for the products, by default this thread's where it has them (the layer pass loads them before any merge search); null: TypeScript. */
  constructor(
    private readonly samples: readonly (readonly Float64Array[])[],
    private readonly native: NativeKernels | null = loadedNativeKernels() ?? null,
  ) {
    this.k = samples.length;
    const layers = samples[0] ?? [];
    this.offsets = new Int32Array(layers.length + 1);
    for (let l = 0; l < layers.length; l++) this.offsets[l + 1] = this.offsets[l]! + layers[l]!.length;
    this.first = this.joined(0);
    this.reference = this.dots(this.first, this.first);
    this.models = samples.map(() => undefined);
    this.differences = samples.map(() => undefined);
    // The differences live in this thread's reused buffer (fresh memory per tree cost more in page faults than the products).
    const values = this.k * this.offsets[this.offsets.length - 1]!;
    this.ownsScratch = !scratchInUse && values <= SCRATCH_VALUES;
    if (this.ownsScratch) {
      if (scratch.length < values) scratch = new Float64Array(values);
      scratchInUse = true;
    }
    this.memory = this.ownsScratch ? scratch : new Float64Array(values);
    // A small tree asks for nearly every pair (each child meets its 10 nearest): all at once natively, a layer of every model in cache at a time.
    if (this.native && this.k > 0 && this.k <= EAGER_MODELS) {
      const layerCount = layers.length;
      // In the reused buffer too when this screen holds it (every value is written by screenProducts).
      const [pairs, offsets] = [this.k * this.k * layerCount, this.k * layerCount];
      if (this.ownsScratch && eagerScratch.length < pairs + offsets) eagerScratch = new Float64Array(pairs + offsets);
      this.all = this.ownsScratch
        ? { pairs: eagerScratch.subarray(0, pairs), offsets: eagerScratch.subarray(pairs, pairs + offsets) }
        : { pairs: new Float64Array(pairs), offsets: new Float64Array(offsets) };
      this.native.screenProducts(this.allSamples(), this.k, this.offsets, layerCount, this.memory, this.all.pairs, this.all.offsets, this.reference);
    }
  }

  /** Every model's samples, model after model, layer after layer: the array they are views of (merge-samples.ts), else a copy. Not to be written. */
  private allSamples(): Float64Array {
    const total = this.offsets[this.offsets.length - 1]!;
    const first = this.samples[0]?.[0];
    const start = first?.byteOffset ?? 0;
    const inPlace = this.samples.every((layers, i) =>
      layers.every((layer, l) => layer.buffer === first?.buffer && layer.byteOffset === start + (i * total + this.offsets[l]!) * 8),
    );
    if (inPlace && first) return new Float64Array(first.buffer, start, this.k * total);
    const out = new Float64Array(this.k * total);
    for (const [i, layers] of this.samples.entries()) for (const [l, layer] of layers.entries()) out.set(layer, i * total + this.offsets[l]!);
    return out;
  }

  /** Gives the reused buffer back: the screen is not used afterwards. */
  release(): void {
    if (this.ownsScratch) scratchInUse = false;
  }

  /** P(i, j) per layer. */
  pair(i: number, j: number): Float64Array {
    const layerCount = this.reference.length;
    if (this.all) return this.all.pairs.subarray((i * this.k + j) * layerCount, (i * this.k + j + 1) * layerCount);
    const key = Math.min(i, j) * this.k + Math.max(i, j);
    let known = this.products.get(key);
    if (!known) {
      known = this.dots(this.centred(i), this.centred(j));
      this.products.set(key, known);
    }
    return known;
  }

  /** Model i's samples of every layer in one array (layer l at offsets[l]): the array they are views of (merge-samples.ts), else a copy. Not to be written. */
  private joined(i: number): Float64Array {
    const layers = this.samples[i] ?? [];
    const total = this.offsets[this.offsets.length - 1]!;
    const start = layers[0]?.byteOffset ?? 0;
    if (layers.every((layer, l) => layer.buffer === layers[0]!.buffer && layer.byteOffset === start + this.offsets[l]! * 8))
      return new Float64Array(layers[0]?.buffer ?? new ArrayBuffer(0), start, total);
    const out = new Float64Array(total);
    for (const [l, layer] of layers.entries()) out.set(layer, this.offsets[l]!);
    return out;
  }

  /** s_i − r, every layer in one array, formed once per model: each model meets ~10 others in the products. */
  private centred(i: number): Float64Array {
    let known = this.differences[i];
    if (!known) {
      const [r, a] = [this.first, this.joined(i)];
      known = this.differences[i] = this.memory.subarray(i * a.length, (i + 1) * a.length);
      for (let v = 0; v < a.length; v++) known[v] = a[v]! - r[v]!;
    }
    return known;
  }

  /** u_i per layer. */
  offset(i: number): Float64Array {
    const layerCount = this.reference.length;
    if (this.all) return this.all.offsets.subarray(i * layerCount, (i + 1) * layerCount);
    let known = this.models[i];
    if (!known) known = this.models[i] = this.dots(this.centred(i), this.first);
    return known;
  }

  /** ⟨a, b⟩ per layer of two joined arrays: natively (four-lane FMA sums) or with `dot`, which round alike to far below SCREEN_SLACK. */
  private dots(a: Float64Array, b: Float64Array): Float64Array {
    const layers = this.offsets.length - 1;
    const out = new Float64Array(layers);
    if (this.native) this.native.layerDots(a, b, this.offsets, layers, out);
    else for (let l = 0; l < layers; l++) out[l] = dot(a, b, this.offsets[l]!, this.offsets[l + 1]!);
    return out;
  }

  /** The search's products for `child` over `set` (set[0] = p₁), one per layer. */
  layers(child: number, set: readonly number[]): LayerProducts[] {
    const { products, offsets, n } = this.gather(child, set);
    const layerCount = this.reference.length;
    const childSamples = this.samples[child]!;
    const layers: LayerProducts[] = new Array(layerCount);
    for (let l = 0; l < layerCount; l++)
      layers[l] = new SharedLayer(
        products.subarray(l * n * n, (l + 1) * n * n),
        offsets.subarray(l * n, (l + 1) * n),
        this.reference[l]!,
        set.length,
        childSamples[l]!.length,
      );
    return layers;
  }

  /**
   * The greedy search on these products natively (merge-screen.c, greedyFit operation for
   * operation): true or false as greedyFit(layers(child, set), slack, nearer) would answer, or
   * undefined where it cannot tell — no native kernels, or `nearer` (not yet computed) is read.
   */
  fits(child: number, set: readonly number[], slack: number, nearer: number | undefined, search: ScreenSearch): boolean | undefined {
    if (!this.native) return undefined;
    // Every product known: the search reads them where they lie (gathering a child's copies was ~5 % of a small tree).
    const all = this.all;
    const { products, offsets } = all ? { products: all.pairs, offsets: all.offsets } : this.gather(child, set);
    const verdict = this.native.screenFit(
      products,
      offsets,
      this.reference,
      this.reference.length,
      this.k,
      all ? Int32Array.from([...set, child]) : null,
      set.length + 1,
      slack,
      nearer ?? 0,
      nearer === undefined ? 0 : 1,
      search.maxParents,
      search.minStepGain,
      search.mergeResidual,
    );
    return verdict < 0 ? undefined : verdict === 1;
  }

  /**
   * For each child (children[q], its candidates nearest first), the first of `starts` starts of
   * linearMergeOf (detect-merges.ts) whose search on these products does not reject it — a fit,
   * or undecided once the uncomputed bar of a later start is read — or the starts tried when
   * every one rejects it: the verdicts of fits() start after start, in one native call for the
   * whole tree. Undefined without the native kernels or every product at once.
   */
  firstStarts(
    children: readonly number[],
    candidates: readonly (readonly number[])[],
    starts: number,
    slack: number,
    search: ScreenSearch,
  ): Int32Array | undefined {
    const all = this.all;
    if (!this.native || !all) return undefined;
    const width = Math.max(1, ...candidates.map((list) => list.length));
    const lists = new Int32Array(children.length * width);
    candidates.forEach((list, q) => lists.set(list, q * width));
    const out = new Int32Array(children.length);
    this.native.screenChildren(
      all.pairs,
      all.offsets,
      this.reference,
      this.reference.length,
      this.k,
      lists,
      Int32Array.from(candidates, (list) => list.length),
      Int32Array.from(children),
      children.length,
      width,
      starts,
      slack,
      search.maxParents,
      search.minStepGain,
      search.mergeResidual,
      out,
    );
    return out;
  }

  /** Layer-major copies of the products: products[l·n² + i·n + j] = P(members i, j) of layer l, offsets[l·n + i] = u; members set[0…m−1], then c. */
  private gather(child: number, set: readonly number[]): { products: Float64Array; offsets: Float64Array; n: number } {
    const members = [...set, child];
    const n = members.length;
    const layerCount = this.reference.length;
    const products = new Float64Array(layerCount * n * n);
    const offsets = new Float64Array(layerCount * n);
    // With every product known, read in place (a view per pair and child was most of this gather).
    const all = this.all;
    for (let i = 0; i < n; i++) {
      const u = all ? all.offsets : this.offset(members[i]!);
      const uAt = all ? members[i]! * layerCount : 0;
      for (let l = 0; l < layerCount; l++) offsets[l * n + i] = u[uAt + l]!;
      for (let j = i; j < n; j++) {
        const pair = all ? all.pairs : this.pair(members[i]!, members[j]!);
        const at = all ? (members[i]! * this.k + members[j]!) * layerCount : 0;
        for (let l = 0; l < layerCount; l++) products[l * n * n + i * n + j] = products[l * n * n + j * n + i] = pair[at + l]!;
      }
    }
    return { products, offsets, n };
  }
}

/** The greedy search's rules (detect-merges.ts), handed to the native search. */
export interface ScreenSearch {
  readonly maxParents: number;
  readonly minStepGain: number;
  readonly mergeResidual: number;
}

/** Up to this many models a tree's products are all computed at once (k² pairs; a large tree asks for ~11² per child). */
const EAGER_MODELS = 64;

/** Most values the reused buffer grows to (32 MB): a larger tree's differences are fresh memory, freed after it. */
const SCRATCH_VALUES = 4 * 1024 * 1024;

/** The differences' buffer, reused from tree to tree; a second screen meanwhile gets fresh memory. */
let scratch = new Float64Array(0);
let scratchInUse = false;
/** Every product of a small tree (EAGER_MODELS), reused with `scratch` by the screen that holds it: k² × layers values. */
let eagerScratch = new Float64Array(0);

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

/**
 * ⟨a, b⟩ over values from … to − 1 with four running sums: the products are the screen's arithmetic (~200 pairs × layers ×
 * 1024 values per 20-model tree), and one sum's dependency chain held the loop to a quarter of
 * the core's speed. Rounds differently from a single sum, by far less than SCREEN_SLACK.
 */
function dot(a: Float64Array, b: Float64Array, from: number, to: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = to;
  let i = from;
  for (; i + 3 < n; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + (s2 + s3);
}
