/**
 * Does a third model tell a child of I from a sibling of I? (issue #13, placement.) The misplacement that dominates
 * held-out set 6 hangs a long branch C under a short tune I of the base B (B → I → C instead of B → {I, C}). A child of
 * I inherits all of I's update a = I − B, so two tests on the three models of a true tree:
 *
 * - inheritance ratio r = Σ_l ⟨C − B, I − B⟩ / Σ_l |I − B|², each layer centred and at unit norm (the correlation
 *   geometry of the pair read and the ancestor evidence): ≈ 1 for a child of I (a right angle at I), ρ·|c|/|a| for a
 *   sibling whose update c correlates with a; below ½ the sibling is nearer B than I is;
 * - sign deficit: on I's largest moves (the top tenth of |a|), the share where c keeps a's sign, minus the share a + e
 *   would keep with e = c − a taken half a layer away (independent of a at that element: what a child's own update
 *   would leave), averaged over the layers. A child: ≈ 0; a sibling: below 0.
 *
 * - residual slope (`--pair-inherit`'s test, src/direction/inherit-side.ts): the slope of C − B on what is left of a
 *   once its strongest directions are removed (each matrix's top-left block): 1 for a child of I, which carries I's run
 *   in its detail; a sibling shares the detail only as far as its own run follows I's.
 *
 * - back step (b → i → c a true chain): (|C − B|² − |I − B|²) / |C − I|², summed over the layers in the same geometry:
 *   1 where C's own update is independent of I's (a right angle at I), negative where C lies nearer B than I does — C
 *   partly undid I's update (a preference tune of an SFT, held-out set 9), and no distance can hang C below I.
 *
 * Read on the true trees only (no recovery): every chain g → x → y and every sibling pair (each way round). Scored on
 * the pair read's sample of each score matrix (its first whole rows, PAIR_SAMPLE_VALUES at most).
 */
import type { ModelSource, TruthGraph } from "../../types.ts";
import { planLayers } from "../../recover/plan-layers.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import { readTensor } from "../../io/read-safetensors.ts";
import { pairSampleCount } from "../../direction/read-pair-evidence.ts";
import { bug } from "../../errors.ts";
import { quantileOfSorted } from "../../recover/cluster-models.ts";
import { residualSlope, topLeftBlock, type LayerBlock } from "../../direction/inherit-side.ts";

/** Share of I's update, by |a|, that the sign deficit reads: |a| at or above its 90th percentile (more than a tenth where bf16 rounding ties magnitudes). */
export const TOP_SHARE = 0.1;

/** One triple of a true tree: `c` as a child of `i` (a true chain b → i → c) or i's sibling (b → i, b → c). */
export interface InheritanceTriple {
  readonly kind: "chain" | "siblings";
  readonly b: string;
  readonly i: string;
  readonly c: string;
  /** Σ ⟨C − B, I − B⟩ / Σ |I − B|² over the layers, in correlation geometry. */
  readonly ratio: number;
  /** Mean over the layers of the sign deficit (0 for a child, below for a sibling). */
  readonly signDeficit: number;
  /** The slope of C − B on the residual of I − B beyond its strongest directions (1 for a child). */
  readonly residualSlope: number;
  /** (|C − B|² − |I − B|²) / |C − I|² in correlation geometry: below 0 where C is nearer B than I is. */
  readonly backStep: number;
}

/**
 * One layer's sums over the centred unit-norm vectors û_B, û_I, û_C: the inheritance ratio's ⟨û_C − û_B, û_I − û_B⟩
 * (`num`) and |û_I − û_B|² (`den`), and the back step's ⟨û_C − û_I, û_I − û_B⟩ (`cross`) and |û_C − û_I|² (`step`;
 * back step = 1 + 2 Σ cross / Σ step). Undefined for a constant layer or where I equals B.
 */
export function triangleTerms(
  b: ArrayLike<number>,
  i: ArrayLike<number>,
  c: ArrayLike<number>,
): { num: number; den: number; cross: number; step: number } | undefined {
  const ub = unit(b);
  const ui = unit(i);
  const uc = unit(c);
  if (!ub || !ui || !uc) return undefined;
  let num = 0;
  let den = 0;
  let cross = 0;
  let step = 0;
  for (let at = 0; at < ub.length; at++) {
    const a = ui[at]! - ub[at]!;
    const d = uc[at]! - ui[at]!;
    num += (uc[at]! - ub[at]!) * a;
    den += a * a;
    cross += d * a;
    step += d * d;
  }
  return den > 0 ? { num, den, cross, step } : undefined;
}

/**
 * One layer's sign deficit: on the elements where |a| = |I − B| is nonzero and at or above its (1 − TOP_SHARE) quantile, the share where
 * c = C − B has a's sign, minus the share a + e' has it, e' being e = c − a read half the layer away. Undefined when I
 * did not move the layer.
 */
export function signDeficit(b: ArrayLike<number>, i: ArrayLike<number>, c: ArrayLike<number>): number | undefined {
  const n = b.length;
  const a = Float64Array.from({ length: n }, (_, at) => i[at]! - b[at]!);
  const magnitudes = Float64Array.from(a, Math.abs).sort();
  const cut = magnitudes[Math.min(n - 1, Math.floor(n * (1 - TOP_SHARE)))]!;
  if (!(cut > 0)) return undefined;
  const half = Math.floor(n / 2);
  let kept = 0;
  let expected = 0;
  let count = 0;
  for (let at = 0; at < n; at++) {
    const ai = a[at]!;
    if (Math.abs(ai) < cut) continue;
    const away = (at + half) % n;
    const e = c[away]! - b[away]! - a[away]!;
    if (Math.sign(c[at]! - b[at]!) === Math.sign(ai)) kept++;
    if (Math.sign(ai + e) === Math.sign(ai)) expected++;
    count++;
  }
  return (kept - expected) / count;
}

function unit(x: ArrayLike<number>): Float64Array | undefined {
  let mean = 0;
  for (let at = 0; at < x.length; at++) mean += x[at]!;
  mean /= x.length;
  const out = Float64Array.from({ length: x.length }, (_, at) => x[at]! - mean);
  let squares = 0;
  for (const v of out) squares += v * v;
  return squares > 0 ? out.map((v) => v / Math.sqrt(squares)) : undefined;
}

/** Every chain and sibling triple of the family's true tree (`truth`), scored over the score matrices of `models`. */
export async function familyInheritance(models: readonly ModelSource[], truth: TruthGraph): Promise<InheritanceTriple[]> {
  const ids = models.map((m) => m.id);
  const index = (id: string) => (ids.includes(id) ? ids.indexOf(id) : bug(`triple inheritance: no model ${id}`));
  const parentOf = new Map(truth.edges.map((e) => [e.child, e.parent]));
  const triples: { kind: InheritanceTriple["kind"]; b: string; i: string; c: string }[] = [];
  for (const { parent: i, child: c } of truth.edges) {
    const b = parentOf.get(i);
    if (b !== undefined) triples.push({ kind: "chain", b, i, c });
  }
  for (const { parent: b, child: i } of truth.edges) {
    for (const { parent, child: c } of truth.edges) if (parent === b && c !== i) triples.push({ kind: "siblings", b, i, c });
  }
  const sums = triples.map(() => ({ num: 0, den: 0, deficit: 0, layers: 0, cross: 0, step: 0 }));
  const blocks: LayerBlock[] = [];
  for (const job of planLayers(models, DEFAULT_RECOVER_OPTIONS)) {
    if (!job.roles.score) continue;
    const values = await Promise.all(ids.map((_, m) => readTensor(job.tensors[m]!, undefined, { count: pairSampleCount(job.shape) })));
    if (job.shape.length === 2) blocks.push(topLeftBlock(values, job.shape[1]!));
    triples.forEach((t, at) => {
      const [b, i, c] = [values[index(t.b)]!, values[index(t.i)]!, values[index(t.c)]!];
      const terms = triangleTerms(b, i, c);
      const deficit = signDeficit(b, i, c);
      if (terms) {
        sums[at]!.num += terms.num;
        sums[at]!.den += terms.den;
        sums[at]!.cross += terms.cross;
        sums[at]!.step += terms.step;
      }
      if (deficit !== undefined) {
        sums[at]!.deficit += deficit;
        sums[at]!.layers++;
      }
    });
  }
  return triples.map((t, at) => {
    const s = sums[at]!;
    return {
      ...t,
      ratio: s.den > 0 ? s.num / s.den : Number.NaN,
      signDeficit: s.layers > 0 ? s.deficit / s.layers : Number.NaN,
      residualSlope: residualSlope(blocks, index(t.b), index(t.i), index(t.c)),
      backStep: s.step > 0 ? 1 + (2 * s.cross) / s.step : Number.NaN,
    };
  });
}

/** A pool of triples: chains, siblings, or the siblings nearer I than B (ratio > ½: the ones a distance can hang under I). */
export interface InheritancePool {
  readonly label: string;
  readonly triples: readonly (InheritanceTriple & { readonly benchmark: string })[];
}

/** The three pools of `rows` (each family's triples with its name). */
export function inheritancePools(rows: readonly { readonly benchmark: string; readonly triples: readonly InheritanceTriple[] }[]): InheritancePool[] {
  const all = rows.flatMap((r) => r.triples.map((t) => ({ ...t, benchmark: r.benchmark })));
  return [
    { label: "true chains b → i → c", triples: all.filter((t) => t.kind === "chain") },
    { label: "siblings b → {i, c}, c as i's child", triples: all.filter((t) => t.kind === "siblings") },
    { label: "siblings nearer i than b (ratio > 1/2)", triples: all.filter((t) => t.kind === "siblings" && t.ratio > 0.5) },
  ];
}

/** Quantiles 5, 10, 50, 90 and 95 % of `values` (NaN dropped), numpy's linear rule. */
export function quantiles(values: readonly number[]): number[] {
  const sorted = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  return sorted.length === 0 ? [] : [0.05, 0.1, 0.5, 0.9, 0.95].map((q) => quantileOfSorted(sorted, q));
}
