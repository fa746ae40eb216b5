/** Test helper: build a float64 graph from named inputs, run it once in onnxruntime, return outputs as number arrays. */
import { compileGraph, type ElemType, Graph, type Sym } from "../../src/onnx/index.ts";

/** An input: shape and values (float64 unless elemType says otherwise). */
export interface EvaluateInput {
  readonly shape: readonly number[];
  readonly values: readonly number[];
  readonly elemType?: ElemType;
}

/** Run `build` on the given inputs; each returned Sym becomes an output of the same key. `portable`: see compileGraph. */
export async function evaluate(
  inputs: Readonly<Record<string, EvaluateInput>>,
  build: (xs: Record<string, Sym>, g: Graph) => Record<string, Sym>,
  { portable = false }: { portable?: boolean } = {},
): Promise<Record<string, { shape: readonly number[]; values: number[] }>> {
  const g = new Graph("evaluate");
  const xs: Record<string, Sym> = {};
  const feeds: Record<string, Float64Array | Float32Array | BigInt64Array> = {};
  for (const [name, input] of Object.entries(inputs)) {
    const elemType = input.elemType ?? "float64";
    xs[name] = g.input(name, elemType, input.shape);
    feeds[name] =
      elemType === "int64"
        ? BigInt64Array.from(input.values.map(BigInt))
        : elemType === "float32"
          ? Float32Array.from(input.values)
          : Float64Array.from(input.values);
  }
  const outputs = build(xs, g);
  for (const [name, sym] of Object.entries(outputs)) g.output(sym, `out_${name}`);
  const compiled = await compileGraph(g, { portable });
  const result = await compiled.run(feeds);
  await compiled.release();
  return Object.fromEntries(
    Object.entries(outputs).map(([name, sym]) => [name, { shape: sym.shape, values: Array.from(result[`out_${name}`] as Float64Array, Number) }]),
  );
}

/** Largest absolute elementwise difference. */
export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]!)), 0);
}
