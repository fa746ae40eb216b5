/**
 * Finite-difference oracle for gradient rules, run end to end through onnxruntime:
 * builder → autodiff → encode → ORT. The scalar probed is Σ y·w with fixed pseudo-random
 * weights w, so every output element's gradient matters. Central differences.
 */
import { compileGraph, type ElemType, gradients, Graph, mul, reduceSum, type Sym } from "../../src/onnx/index.ts";

/** One float input of the checked function. `values` default: a spread including 0 and negatives. */
export interface CheckedInput {
  readonly shape: readonly number[];
  readonly values?: readonly number[];
}

/** Tolerances: float64 graphs are checked tightly, float32 graphs loosely. */
export interface CheckOptions {
  readonly elemType?: "float32" | "float64";
  readonly step?: number;
  readonly rtol?: number;
  readonly atol?: number;
}

/** Tolerances used per element type (reported in the engine's test summary). */
export const TOLERANCES = {
  float64: { step: 1e-6, rtol: 1e-6, atol: 1e-8 },
  float32: { step: 1e-2, rtol: 1e-2, atol: 2e-3 },
} as const;

/** Deterministic values in [-1.2, 1.2] that include 0 exactly (first element) and negatives. */
export function spread(count: number, offset = 0): number[] {
  return Array.from({ length: count }, (_, i) =>
    i === 0 && offset === 0 ? 0 : Math.round((((i * 0.6180339 + offset * 0.377) % 1) * 2.4 - 1.2) * 1000) / 1000,
  );
}

/** Deterministic strictly positive values in [0.3, 2.1] (for sqrt, log, denominators). */
export function positive(count: number, offset = 0): number[] {
  return spread(count, offset + 1).map((v) => 0.3 + Math.abs(v) * 1.5);
}

/** Result of one check: worst |analytic − numeric| beyond tolerance (≤ 0 means pass) and the worst raw error. */
export interface CheckResult {
  readonly worstExcess: number;
  readonly worstError: number;
  readonly where: string;
}

/** Check d(Σ f(xs)·w)/dxs from autodiff against central differences. */
export async function checkGradients(build: (xs: Sym[], g: Graph) => Sym, inputs: readonly CheckedInput[], options: CheckOptions = {}): Promise<CheckResult> {
  const elemType: ElemType = options.elemType ?? "float64";
  const { step, rtol, atol } = { ...TOLERANCES[options.elemType ?? "float64"], ...options };
  const g = new Graph("gradient-check");
  const xs = inputs.map((input, i) => g.input(`x${i}`, elemType, input.shape));
  const y = build(xs, g);
  const weights = g.constant(
    spread(y.size, 7).map((v) => v + 1.5),
    y.shape,
    y.elemType,
  );
  const loss = reduceSum(mul(y, weights));
  const grads = gradients(loss, xs);
  g.output(loss, "loss");
  grads.forEach((d, i) => g.output(d, `grad${i}`));
  const compiled = await compileGraph(g);
  const ArrayType = elemType === "float64" ? Float64Array : Float32Array;
  const feeds: Record<string, Float64Array | Float32Array> = {};
  inputs.forEach((input, i) => {
    const size = input.shape.reduce((p, d) => p * d, 1);
    feeds[`x${i}`] = ArrayType.from(input.values ?? spread(size, i));
  });
  const base = await compiled.run(feeds);
  const lossAt = async (): Promise<number> => Number((await compiled.run(feeds)).loss![0]);
  let worstExcess = -Infinity;
  let worstError = 0;
  let where = "";
  for (let i = 0; i < inputs.length; i++) {
    const x = feeds[`x${i}`]!;
    const analytic = base[`grad${i}`] as Float64Array | Float32Array;
    for (let j = 0; j < x.length; j++) {
      const original = x[j]!;
      x[j] = original + step;
      const up = await lossAt();
      x[j] = original - step;
      const down = await lossAt();
      x[j] = original;
      const numeric = (up - down) / (2 * step);
      const error = Math.abs(analytic[j]! - numeric);
      const excess = error - (atol + rtol * Math.abs(numeric));
      if (error > worstError) worstError = error;
      if (excess > worstExcess) {
        worstExcess = excess;
        where = `input ${i}[${j}]: analytic ${analytic[j]}, numeric ${numeric}`;
      }
    }
  }
  await compiled.release();
  return { worstExcess, worstError, where };
}
