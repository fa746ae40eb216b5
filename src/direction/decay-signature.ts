/**
 * The weight-decay signature of an edge (issue #13): a row of a language model's embedding matrix
 * whose token never occurs in a fine-tune's data gets no gradient, so under decoupled weight decay
 * (AdamW: Adam's moments stay 0) or SGD's L2 term every step multiplies it by one scalar: the
 * child's row is c · the parent's, c = Π(1 − lr·wd) < 1. Shrinking is one-way — no optimizer step
 * on a zero-gradient row grows it by a common factor — so each such row is a vote that the smaller
 * model is the child, and the pair's sign test z = (shrink − grow)/√(shrink + grow) is evidence
 * for a pair rule (pair-rule.ts) from a layer the score layers do not include. Without weight
 * decay (Adam, frozen embeddings, LoRA) the rows are identical and give no vote; a tied embedding
 * (GPT-2) gets gradient on every row through the output layer and gives none either.
 *
 * A row is rescaled when the change b − a is beyond storage rounding and b − ĉ·a (ĉ = ⟨a, b⟩/⟨a, a⟩)
 * is within it, or below RESCALE_TOLERANCE of the change (the rounding of many small f32 steps).
 */
import type { Dtype } from "../types.ts";
import { encodeBf16, encodeF16, f16ToF32Table } from "../io/dtype.ts";

/** Residual allowed beyond storage rounding, as a share of the change's square (many steps' f32 arithmetic). */
export const RESCALE_TOLERANCE = 0.01;
/** Multiples of the expected squared rounding error (uniform, ulp²/12 per element) a residual may reach: three standard deviations' worth. */
const ROUNDING_SLACK = 9;
/**
 * Multiples of it a change must exceed to count: twice the residual's allowance, so that a change in a random
 * direction (residual ≈ the change) cannot pass as a rescale. Small rescales of bf16 rows (c ≳ 0.985) give no vote.
 */
const CHANGE_SLACK = 2 * ROUNDING_SLACK;

/** Rows rescaled down (a → b consistent) and up (b → a) between two models' embedding matrices. */
export interface DecayVotes {
  readonly shrink: number;
  readonly grow: number;
}

/** Explicit mantissa bits of a stored dtype (the rounding step of a value is 2^(exponent − bits)); undefined for integer storage. */
function mantissaBits(dtype: Dtype): number | undefined {
  return ({ F64: 52, F32: 23, F16: 10, BF16: 7 } as Partial<Record<Dtype, number>>)[dtype];
}

/** The squared rounding step of `value` stored with `bits` mantissa bits. */
function ulpSquared(value: number, bits: number): number {
  if (value === 0) return 0;
  const step = 2 ** (Math.floor(Math.log2(Math.abs(value))) - bits);
  return step * step;
}

/**
 * Votes over the rows of two embedding matrices (`a`, `b`: row-major, `cols` wide, the same
 * length) stored as `dtype`; rows identical in both, or changed by more than a rescale, give none.
 */
export function decayVotes(a: Float32Array | Float64Array, b: Float32Array | Float64Array, cols: number, dtype: Dtype): DecayVotes {
  const bits = mantissaBits(dtype) ?? 23;
  const rows = Math.floor(Math.min(a.length, b.length) / cols);
  let shrink = 0;
  let grow = 0;
  for (let row = 0; row < rows; row++) {
    const scale = rescaleFit(a, b, row * cols, cols, bits);
    if (scale === undefined) continue;
    if (scale < 1) shrink++;
    else if (scale > 1) grow++;
  }
  return { shrink, grow };
}

/**
 * ĉ of one row when b's row is a rescale of a's (changed beyond storage rounding, residual within
 * it or within RESCALE_TOLERANCE of the change), else undefined.
 */
function rescaleFit(a: Float32Array | Float64Array, b: Float32Array | Float64Array, start: number, cols: number, bits: number): number | undefined {
  let aa = 0;
  let ab = 0;
  let change = 0;
  let rounding = 0;
  for (let k = start; k < start + cols; k++) {
    const x = a[k]!;
    const y = b[k]!;
    aa += x * x;
    ab += x * y;
    change += (y - x) * (y - x);
    rounding += (ulpSquared(x, bits) + ulpSquared(y, bits)) / 12;
  }
  if (!(aa > 0) || change <= CHANGE_SLACK * rounding) return undefined;
  const scale = ab / aa;
  let residual = 0;
  for (let k = start; k < start + cols; k++) residual += (b[k]! - scale * a[k]!) ** 2;
  return residual > ROUNDING_SLACK * rounding + RESCALE_TOLERANCE * change ? undefined : scale;
}

/** The sign test's z: positive when a is the parent (its rows shrank into b's); 0 without votes. */
export function decayZ(votes: DecayVotes): number {
  const total = votes.shrink + votes.grow;
  return total === 0 ? 0 : (votes.shrink - votes.grow) / Math.sqrt(total);
}

/** Elements of a child's rescaled rows (c < 1, as decayVotes counts them) and how many of them round(ĉ·parent) reproduces exactly. */
export interface Reproduction {
  readonly elements: number;
  readonly exact: number;
}

/** `value` rounded to the storage of `dtype` (F32 and wider: to f32). */
function roundTo(dtype: Dtype): (value: number) => number {
  if (dtype === "BF16") {
    const bits = new Uint32Array(1);
    const view = new Float32Array(bits.buffer);
    return (value) => {
      bits[0] = encodeBf16(value) << 16;
      return view[0]!;
    };
  }
  if (dtype === "F16") {
    const table = f16ToF32Table();
    return (value) => table[encodeF16(value)]!;
  }
  return Math.fround;
}

/**
 * How exactly `parent`'s rows reproduce `child`'s weight-decayed ones: a fine-tune starts from its
 * parent's stored weights, so a row without gradient is stored as round(c · the parent's stored row)
 * — exactly, element for element. A sibling or grandparent holds the same row rescaled by another
 * factor and rounded once more on the way, so it reproduces fewer elements (Llama-like, bf16:
 * 0.96 from the true parent, 0.84 from the sibling the code branch was hung under). Rows counted
 * as decayVotes counts a shrinking vote.
 */
export function reproduction(parent: Float32Array | Float64Array, child: Float32Array | Float64Array, cols: number, dtype: Dtype): Reproduction {
  const bits = mantissaBits(dtype) ?? 23;
  const round = roundTo(dtype);
  const rows = Math.floor(Math.min(parent.length, child.length) / cols);
  let elements = 0;
  let exact = 0;
  for (let row = 0; row < rows; row++) {
    const start = row * cols;
    const fit = rescaleFit(parent, child, start, cols, bits);
    if (fit === undefined || !(fit < 1)) continue;
    for (let k = start; k < start + cols; k++) {
      elements++;
      if (round(fit * parent[k]!) === child[k]) exact++;
    }
  }
  return { elements, exact };
}

/**
 * Pairs p → c that another model q reproduces c's rescaled rows more exactly than p by more than
 * REPRODUCTION_Z standard errors (a two-proportion z over their elements): p is not c's parent.
 * `of(p, c)` is reproduction(p's rows, c's rows); k×k, 1 = ruled out.
 */
export function notReproducingParents(k: number, of: (parent: number, child: number) => Reproduction): Uint8Array {
  const out = new Uint8Array(k * k);
  for (let c = 0; c < k; c++) {
    const shares = Array.from({ length: k }, (_, p) => (p === c ? undefined : of(p, c)));
    for (let p = 0; p < k; p++) {
      const mine = shares[p];
      if (!mine || mine.elements === 0) continue;
      for (const other of shares) {
        if (!other || other === mine || other.elements === 0) continue;
        const a = mine.exact / mine.elements;
        const b = other.exact / other.elements;
        const pooled = (mine.exact + other.exact) / (mine.elements + other.elements);
        const se = Math.sqrt(pooled * (1 - pooled) * (1 / mine.elements + 1 / other.elements));
        if (se > 0 && (b - a) / se > REPRODUCTION_Z) {
          out[p * k + c] = 1;
          break;
        }
      }
    }
  }
  return out;
}

/** Standard errors by which another candidate must reproduce a child's rows better to rule a parent out. */
export const REPRODUCTION_Z = 5;
