/**
 * Ancestor evidence for a pair rule (issue #13, `--pair-ancestor on`): a third model orients an edge whose own pair
 * test is at its noise floor. If g → x → y with updates that do not undo each other, y sits farther from g than x
 * does: along a path of nearly independent updates the squared distances add (a right angle at x), so
 * d(g, y)² ≈ d(g, x)² + d(x, y)², while the reverse, g → y → x, puts the right angle at y and x farther from g. The
 * distance is each layer's correlation distance 1 − ρ (pair-evidence.ts's ρ of the two models' layer, centred):
 * scale-free, so the shrink that weight decay applies to every fine-tune of one parent cancels, and measured per
 * layer, so each layer votes on which of x and y is nearer g. The votes form a sign-test z (Σ sign / √L), combined
 * with the pair's own z by Stouffer's sum — two independent tests: the pair rule reads the shape of the two weight
 * vectors, this one the geometry of three models.
 *
 * The reference g is x's parent in the tree the pair evidence alone gave (the grandparent of y): recovery solves
 * the arborescence, adds each edge's ancestor z where its parent has a parent, and solves again until no new edge
 * gets one (orient-tree.ts). Measured on the true trees before anything was built (docs/direction.md): y farther
 * from its grandparent on 66 of 71 language-model edges below a root edge (sets 0–5) and 338 of 338 ViT edges.
 * It misreads a fine-tune that moves back toward its grandparent (a chat tune of a code tune: set 4's qwen).
 */
import type { PairLayers } from "./read-pair-evidence.ts";

/**
 * Sign-test z that x, not y, is the parent, with g as the common ancestor: per layer l, the sign of
 * (1 − ρ_l(g, y)) − (1 − ρ_l(g, x)) (positive: y farther from g), summed over the layers where all three
 * correlations exist and differ, over √ of their count; 0 when none does.
 */
export function ancestorZ(layersOf: PairLayers["layersOf"], g: number, x: number, y: number): number {
  const toX = ordered(layersOf, g, x);
  const toY = ordered(layersOf, g, y);
  let votes = 0;
  let count = 0;
  for (let l = 0; l < Math.min(toX.length, toY.length); l++) {
    const rhoX = toX[l]?.rho;
    const rhoY = toY[l]?.rho;
    if (rhoX === undefined || rhoY === undefined || rhoX === rhoY) continue;
    votes += rhoX > rhoY ? 1 : -1;
    count++;
  }
  return count === 0 ? 0 : votes / Math.sqrt(count);
}

function ordered(layersOf: PairLayers["layersOf"], i: number, j: number) {
  return i < j ? layersOf(i, j) : layersOf(j, i);
}

/**
 * Ancestor z's of the edges of `parent` (a tree over k models, −1 at the root) that `found` (row-major k×k, NaN =
 * not yet evaluated, antisymmetric once set) does not hold yet: for each edge x → y whose x has a parent g,
 * found[x·k + y] = ancestorZ(g, x, y) and found[y·k + x] its negative. Returns how many pairs it added. A pair keeps
 * the first reference it was evaluated with, so repeated solves cannot cycle.
 */
export function addAncestorEvidence(found: Float64Array, k: number, parent: Int32Array, layersOf: PairLayers["layersOf"]): number {
  let added = 0;
  for (let y = 0; y < k; y++) {
    const x = parent[y]!;
    if (x < 0) continue;
    const g = parent[x]!;
    if (g < 0 || !Number.isNaN(found[x * k + y]!)) continue;
    const z = ancestorZ(layersOf, g, x, y);
    found[x * k + y] = z;
    found[y * k + x] = -z;
    added++;
  }
  return added;
}

/** `z` (k×k pair evidence, antisymmetric) with each evaluated pair's ancestor z added by Stouffer's sum, (z + a)/√2; the rest unchanged. */
export function withAncestors(z: Float64Array, found: Float64Array): Float64Array {
  return z.map((value, at) => (Number.isNaN(found[at]!) ? value : (value + found[at]!) / Math.SQRT2));
}

/** `--pair-ancestor floor`: a pair's own |z| below this (two-sided 5 %) is at its noise floor, where a grandparent may decide. */
export const ANCESTOR_FLOOR = 1.96;

/** `found` with only the pairs whose own evidence `z` is at its noise floor (|z| < ANCESTOR_FLOOR); the rest NaN (none added). */
export function atNoiseFloor(z: Float64Array, found: Float64Array): Float64Array {
  return found.map((value, at) => (Math.abs(z[at]!) < ANCESTOR_FLOOR ? value : Number.NaN));
}

/**
 * `--pair-ancestor agree`: `found` with only the pairs whose ancestor z does not reverse the sign of the pair's own z (a
 * grandparent may strengthen an edge's own test, or decide where the test gives exactly nothing, but not overturn it); the
 * rest NaN. A tune that steps back toward its grandparent (a preference tune) lies nearer it than its parent does, so
 * the grandparent's geometry and the distance agree on the wrong edge; the pair's own z is then the only other evidence.
 */
export function notOverturning(z: Float64Array, found: Float64Array): Float64Array {
  return found.map((value, at) => (z[at] === 0 || Math.sign(z[at]! + value) === Math.sign(z[at]!) ? value : Number.NaN));
}
