/**
 * Which side of an edge a third model is on, read coordinate by coordinate (issue #13, `--pair-inherit on`). An edge
 * g – p of a tree is one training run: its update a = p − g is the run's direction plus the run's own detail (its
 * batches, its seed). A model x below p carries all of a: x − g = a + v, v made by later runs, so the slope
 * ⟨x − g, a⟩ / |a|² is 1 on any part of a that v does not share. A model beside p (a sibling tuned on related data, or
 * a long continued pre-training that the base's every tune leans toward) shares only the direction: its slope is
 * ρ·|x − g|/|a|, which a long update can bring to 1 in total (the geometry of the three models cannot tell it from a
 * chain: docs/direction.md, set 6 and 7) but not on a's fine detail. So the test reads the slope on the part of a
 * outside its top singular directions — what is left of each matrix's update once its INHERIT.rank strongest directions are
 * removed — where a sibling's update need not follow a's.
 *
 * Per score matrix, on its top-left block (INHERIT.block² at most, of the pair read's first whole rows), r = a minus a's
 * best rank-INHERIT.rank approximation; the slope is Σ ⟨x − g, r⟩ / Σ |r|² over the matrices. x is off p's side when the slope
 * is more than INHERIT.band from 1.
 *
 * Used by orient-tree.ts: after the pair solve, each edge p → x whose p has a parent g is tested; an x off p's side
 * cannot be p's child, so p → x is forbidden and the tree solved again, until no new edge fails. What it cannot see:
 * it presumes g – p is a true edge (either direction), so where the tree above p is wrong it tests the wrong run; and a
 * run that continues p's own detail (the same data, the same optimizer state) reads as p's child.
 */
import { orthonormalize } from "../io/peft/subspace-alignment.ts";

/**
 * The test's sizes: the block each matrix keeps per model (`block` rows and columns at most), the strongest directions of
 * an update left out (`rank`), and how far from 1 the residual slope may be for x to count as on p's side (`band`).
 */
export const INHERIT = { block: 128, rank: 4, band: 0.2 } as const;

/** One matrix's top-left block of every member (row-major, `rows` × `cols`). */
export interface LayerBlock {
  readonly rows: number;
  readonly cols: number;
  readonly values: readonly Float32Array[];
}

/** The top-left block (≤ INHERIT.block²) of each member's matrix, from values read as whole rows `cols` wide. */
export function topLeftBlock(values: readonly (Float32Array | Float64Array)[], cols: number): LayerBlock {
  const rows = Math.min(INHERIT.block, Math.floor((values[0]?.length ?? 0) / cols));
  const width = Math.min(INHERIT.block, cols);
  const block = (v: Float32Array | Float64Array) => {
    const out = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) out[r * width + c] = v[r * cols + c]!;
    return out;
  };
  return { rows, cols: width, values: values.map(block) };
}

/**
 * `a` (rows × cols, row-major) minus its best rank-`rank` approximation, by subspace iteration on aᵀa from a fixed
 * start (deterministic); `a` itself when it is too small to leave anything.
 */
export function lowRankResidual(a: Float64Array, rows: number, cols: number, rank: number = INHERIT.rank, iterations = 12): Float64Array {
  const k = Math.min(rank, rows, cols);
  if (k === 0 || k >= Math.min(rows, cols)) return k === 0 ? Float64Array.from(a) : new Float64Array(a.length);
  // V: cols × k, a fixed pseudo-random start.
  let v = Float64Array.from({ length: cols * k }, (_, at) => Math.sin(at * 12.9898 + 78.233));
  const w = new Float64Array(rows * k);
  for (let it = 0; it < iterations; it++) {
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < k; j++) {
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += a[r * cols + c]! * v[c * k + j]!;
        w[r * k + j] = sum;
      }
    const next = new Float64Array(cols * k);
    for (let c = 0; c < cols; c++)
      for (let j = 0; j < k; j++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += a[r * cols + c]! * w[r * k + j]!;
        next[c * k + j] = sum;
      }
    orthonormalize(next, cols, k);
    v = next;
  }
  const out = Float64Array.from(a);
  const projection = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += a[r * cols + c]! * v[c * k + j]!;
      projection[j] = sum;
    }
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += projection[j]! * v[c * k + j]!;
      out[r * cols + c]! -= sum;
    }
  }
  return out;
}

/** The slope of x − g on the residual of p − g, pooled over the blocks (NaN when p and g agree on every block). */
export function residualSlope(blocks: readonly LayerBlock[], g: number, p: number, x: number): number {
  let num = 0;
  let den = 0;
  for (const { rows, cols, values } of blocks) {
    const [G, P, X] = [values[g]!, values[p]!, values[x]!];
    const a = Float64Array.from(G, (value, at) => P[at]! - value);
    const r = lowRankResidual(a, rows, cols);
    for (let at = 0; at < r.length; at++) {
      num += (X[at]! - G[at]!) * r[at]!;
      den += r[at]! * r[at]!;
    }
  }
  return den > 0 ? num / den : Number.NaN;
}

/**
 * Which side of the band the residual slope of x on p's update from g falls (`--pair-offside`): "under" below
 * 1 − INHERIT.band (x carries less of p's detail than a child: a sibling beside p, or a child that took part of p's run
 * back), "over" above 1 + INHERIT.band (x goes farther along p's detail than p: p an EMA or shorter run of x's data, or
 * x a run that continues p's detail), "within" otherwise or when the blocks cannot tell.
 */
export function slopeSide(blocks: readonly LayerBlock[], g: number, p: number, x: number): "under" | "over" | "within" {
  const slope = residualSlope(blocks, g, p, x);
  return slope < 1 - INHERIT.band ? "under" : slope > 1 + INHERIT.band ? "over" : "within";
}

/** Whether x is off p's side of the edge g – p (the test above); false when the blocks cannot tell. */
export function offSide(blocks: readonly LayerBlock[], g: number, p: number, x: number): boolean {
  return Math.abs(residualSlope(blocks, g, p, x) - 1) > INHERIT.band;
}
