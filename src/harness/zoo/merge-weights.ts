/**
 * The merge methods people publish merges with (mergekit's linear, task_arithmetic, slerp,
 * ties, dare_linear), as tensor functions, so the model zoo can make merges of trained
 * siblings. Every method works tensor by tensor on tensors of equal shape; τ_i = θ_i − θ_base
 * is a parent's task vector.
 *
 * - linear:           Σ w_i θ_i / Σ w_i
 * - task arithmetic:  θ_base + λ Σ τ_i
 * - SLERP (two models): sin((1 − t)Ω)/sin Ω · θ_a + sin(tΩ)/sin Ω · θ_b, Ω the angle between them
 * - TIES:             each τ_i trimmed to its `density` largest |values|; per weight, the sign of
 *                     Σ trimmed τ elected; the mean of the trimmed values of that sign; θ_base + λ·that
 * - DARE (linear):    each τ_i's weights dropped with probability 1 − density (seeded), the rest
 *                     scaled by 1/density; θ_base + λ Σ
 */
import { makeUniform } from "../../recover/seeded-random.ts";

/** How a zoo merge combines its parents. */
export type MergeMethod =
  | { readonly kind: "linear"; readonly weights: readonly number[] }
  | { readonly kind: "task-arithmetic"; readonly lambda: number }
  | { readonly kind: "slerp"; readonly t: number }
  | { readonly kind: "ties"; readonly density: number; readonly lambda: number }
  | { readonly kind: "dare"; readonly density: number; readonly lambda: number; readonly seed: number };

type Values = Float32Array | Float64Array;

/** One tensor of the merge from the same tensor of each parent (and the base, for methods on task vectors). */
export function mergeTensor(method: MergeMethod, parents: readonly Values[], base: Values | undefined, salt: number): Float64Array {
  const n = parents[0]!.length;
  const needsBase = () => base ?? new Float64Array(n);
  switch (method.kind) {
    case "linear": {
      const total = method.weights.reduce((a, b) => a + b, 0);
      return Float64Array.from({ length: n }, (_, i) => parents.reduce((sum, p, j) => sum + method.weights[j]! * p[i]!, 0) / total);
    }
    case "task-arithmetic": {
      const b = needsBase();
      return Float64Array.from({ length: n }, (_, i) => b[i]! + method.lambda * parents.reduce((sum, p) => sum + (p[i]! - b[i]!), 0));
    }
    case "slerp":
      return slerp(parents[0]!, parents[1]!, method.t);
    case "ties":
      return ties(parents, needsBase(), method.density, method.lambda);
    case "dare": {
      const b = needsBase();
      const out = Float64Array.from(b);
      parents.forEach((p, j) => {
        const keep = makeUniform(n, method.seed * 1000 + salt * 10 + j);
        for (let i = 0; i < n; i++) if (keep[i]! < method.density) out[i]! += (method.lambda * (p[i]! - b[i]!)) / method.density;
      });
      return out;
    }
  }
}

function slerp(a: Values, b: Values, t: number): Float64Array {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb))));
  // Nearly parallel tensors (or a zero one): SLERP is linear interpolation there, as in mergekit.
  if (!(Math.sin(omega) > 1e-6)) return Float64Array.from(a, (v, i) => (1 - t) * v + t * b[i]!);
  const [wa, wb] = [Math.sin((1 - t) * omega) / Math.sin(omega), Math.sin(t * omega) / Math.sin(omega)];
  return Float64Array.from(a, (v, i) => wa * v + wb * b[i]!);
}

function ties(parents: readonly Values[], base: Values, density: number, lambda: number): Float64Array {
  const n = base.length;
  const trimmed = parents.map((p) => {
    const tau = Float64Array.from(p, (v, i) => v - base[i]!);
    const cut = Float64Array.from(tau, Math.abs).sort()[Math.min(n - 1, Math.floor((1 - density) * n))]!;
    return tau.map((v) => (Math.abs(v) >= cut ? v : 0));
  });
  return Float64Array.from(base, (v, i) => {
    const sign = Math.sign(trimmed.reduce((sum, t) => sum + t[i]!, 0));
    let sum = 0;
    let count = 0;
    for (const t of trimmed) {
      if (t[i] !== 0 && Math.sign(t[i]!) === sign) {
        sum += t[i]!;
        count++;
      }
    }
    return count === 0 ? v : v + (lambda * sum) / count;
  });
}
