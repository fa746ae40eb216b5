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
    const start = row * cols;
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
    if (!(aa > 0) || change <= CHANGE_SLACK * rounding) continue;
    const scale = ab / aa;
    let residual = 0;
    for (let k = start; k < start + cols; k++) residual += (b[k]! - scale * a[k]!) ** 2;
    if (residual > ROUNDING_SLACK * rounding + RESCALE_TOLERANCE * change) continue;
    if (scale < 1) shrink++;
    else if (scale > 1) grow++;
  }
  return { shrink, grow };
}

/** The sign test's z: positive when a is the parent (its rows shrank into b's); 0 without votes. */
export function decayZ(votes: DecayVotes): number {
  const total = votes.shrink + votes.grow;
  return total === 0 ? 0 : (votes.shrink - votes.grow) / Math.sqrt(total);
}
