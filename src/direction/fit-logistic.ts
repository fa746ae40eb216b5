/**
 * Logistic regression without intercept for a learned direction rule (learned-rule.ts): each
 * true edge gives x = z(child) − z(parent) labelled 1, and its reverse −x labelled 0, so the
 * model is antisymmetric by construction (no orientation is favoured a priori). Newton's method
 * with a small ridge (λ‖w‖²/2) keeps the weights finite when the edges are separable.
 */
import { Matrix, solve } from "ml-matrix";

/** Ridge strength (per edge pair): enough to keep separable data finite, small next to a real signal. */
const RIDGE = 1e-2;
/** Newton steps; the objective is smooth and convex, a few dozen reach machine precision. */
const STEPS = 50;

/** Weights w maximising Σ log σ(w · x) over the edge differences `differences` (each of `width` values). */
export function fitLogistic(differences: readonly Float64Array[], width: number): number[] {
  const w = new Array<number>(width).fill(0);
  if (differences.length === 0) return w;
  for (let step = 0; step < STEPS; step++) {
    const gradient = w.map((value) => RIDGE * differences.length * value);
    const hessian = Array.from({ length: width }, (_, i) => Array.from({ length: width }, (_, j) => (i === j ? RIDGE * differences.length : 0)));
    for (const x of differences) {
      let dot = 0;
      for (let i = 0; i < width; i++) dot += w[i]! * x[i]!;
      // The pair (x, 1) and (−x, 0) contribute twice what (x, 1) alone does: the same optimum.
      const p = 1 / (1 + Math.exp(-dot));
      for (let i = 0; i < width; i++) {
        gradient[i]! -= (1 - p) * x[i]!;
        for (let j = 0; j < width; j++) hessian[i]![j]! += p * (1 - p) * x[i]! * x[j]!;
      }
    }
    const delta = solve(new Matrix(hessian), Matrix.columnVector(gradient)).to1DArray();
    let moved = 0;
    for (let i = 0; i < width; i++) {
      w[i]! -= delta[i]!;
      moved = Math.max(moved, Math.abs(delta[i]!));
    }
    if (moved < 1e-10) break;
  }
  return w;
}
