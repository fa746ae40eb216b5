/**
 * Initial parameter values from a seeded uniform source, following each spec's
 * `ParamInit` (HF `_init_weights`). Same seed ⇒ same bytes: values are drawn in spec
 * order, element by element, from one stream.
 */
import { elementCount, type ParamInit, type ParamSpec } from "./param-spec.ts";

/** A seeded source of uniform numbers in [0, 1) (e.g. the `next` of datasets/rng.ts). */
export type UniformSource = () => number;

/** A named float32 tensor in torch layout (row-major). */
export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Fill `out` according to `init`, drawing from `uniform`. */
export function fillInit(out: Float32Array, init: ParamInit, uniform: UniformSource): void {
  switch (init.kind) {
    case "zeros":
      out.fill(0);
      return;
    case "ones":
      out.fill(1);
      return;
    case "uniform":
      for (let i = 0; i < out.length; i++) out[i] = (2 * uniform() - 1) * init.bound;
      return;
    case "normal":
      for (let i = 0; i < out.length; i++) out[i] = init.std * standardNormal(uniform);
      return;
    case "trunc-normal":
      // torch.nn.init.trunc_normal_(std) keeps values in the absolute range [-2, 2]:
      // for std 0.02 that is ±100σ, i.e. a plain normal — as in real HF checkpoints.
      for (let i = 0; i < out.length; i++) {
        let value: number;
        do value = init.std * standardNormal(uniform);
        while (value < -2 || value > 2);
        out[i] = value;
      }
      return;
  }
}

/** Initial tensors for `specs`, in spec order. */
export function initParams(specs: readonly ParamSpec[], uniform: UniformSource): NamedTensor[] {
  return specs.map((spec) => {
    const data = new Float32Array(elementCount(spec.shape));
    fillInit(data, spec.init, uniform);
    return { name: spec.name, shape: spec.shape, data };
  });
}

/** Box–Muller on two uniforms (one value per call; the second is discarded for a simple, stable stream). */
function standardNormal(uniform: UniformSource): number {
  let u = uniform();
  while (u <= Number.MIN_VALUE) u = uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}
