/**
 * Optimizers as graph ops, as settings of ONE step function (tinygrad nn/optim.py style).
 * Semantics follow PyTorch so reference numbers carry over:
 *   SGD:   g += wd·p; buf = μ·buf + g; p −= lr·(nesterov ? g + μ·buf : buf)
 *   Adam:  g += wd·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 *          p −= lr/(1−β1ᵗ) · m / (√(v/(1−β2ᵗ)) + ε)
 *   AdamW: p ·= 1 − lr·wd (decoupled), then the Adam update without the L2 term.
 * The learning rate and the 1-based step count t are scalar graph inputs, so one graph
 * serves the whole schedule. Optional global-norm clipping scales all gradients first.
 */
import type { Graph, Sym } from "./graph.ts";
import { add, binary, div, mul, sqrt, sub, sum } from "./ops-elementwise.ts";
import { reduceSumSquare } from "./ops-reduce.ts";
import { bug } from "../errors.ts";

/** Which update and its hyper-parameters (PyTorch defaults where unset). */
export interface OptimizerSettings {
  readonly kind: "sgd" | "adam" | "adamw";
  /** SGD momentum μ (default 0: plain SGD, no state). */
  readonly momentum?: number;
  /** SGD Nesterov momentum. */
  readonly nesterov?: boolean;
  /** Adam β1 (default 0.9). */
  readonly beta1?: number;
  /** Adam β2 (default 0.999). */
  readonly beta2?: number;
  /** Adam ε (default 1e-8). */
  readonly eps?: number;
  /** Weight decay: L2 in the gradient for sgd/adam, decoupled for adamw (default 0; adamw 0.01). */
  readonly weightDecay?: number;
  /**
   * Which parameters decay (parallel to params; default all). Norms and biases usually don't.
   * An entry may be a tensor of 0/1 factors shaped like its parameter — for packed
   * parameters, see `packedDecayMask`.
   */
  readonly decayMask?: readonly (boolean | Sym)[];
  /** Clip the global L2 norm of all gradients to this value (off when unset). */
  readonly clipGradNorm?: number;
}

/** Optimizer moments as graph values, parallel to the params: `m` (momentum / first moment), `v` (second moment). */
export interface OptimizerState {
  readonly m: readonly Sym[];
  readonly v: readonly Sym[];
}

/** The state tensors `settings` needs for these params, declared as graph inputs named `<param>.m` / `<param>.v`. */
export function optimizerStateInputs(graph: Graph, params: readonly Sym[], settings: OptimizerSettings): OptimizerState {
  const needsM = settings.kind !== "sgd" || (settings.momentum ?? 0) !== 0;
  const needsV = settings.kind !== "sgd";
  return {
    m: needsM ? params.map((p) => graph.input(`${p.name}.m`, p.elemType, p.shape)) : [],
    v: needsV ? params.map((p) => graph.input(`${p.name}.v`, p.elemType, p.shape)) : [],
  };
}

/** What one optimizer step produces. `gradNorm` is the pre-clipping global norm when clipping is on. */
export interface OptimizerStepResult {
  readonly newParams: Sym[];
  readonly newState: OptimizerState;
  readonly gradNorm?: Sym;
}

/** Build one update of `params` from `grads`; `lr` and `step` (1-based, float) are scalar graph values. */
export function optimizerStep(
  graph: Graph,
  params: readonly Sym[],
  grads: readonly Sym[],
  state: OptimizerState,
  settings: OptimizerSettings,
  lr: Sym,
  step: Sym,
): OptimizerStepResult {
  if (params.length !== grads.length) bug(`optimizerStep: ${params.length} params but ${grads.length} grads`);
  const { kind, momentum = 0, nesterov = false, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, clipGradNorm } = settings;
  const weightDecay = settings.weightDecay ?? (kind === "adamw" ? 0.01 : 0);
  const decays = (i: number): boolean => weightDecay !== 0 && (settings.decayMask?.[i] ?? true) !== false;
  const maskOf = (i: number): Sym | undefined => {
    const entry = settings.decayMask?.[i];
    return typeof entry === "object" ? entry : undefined;
  };

  let clipped = [...grads];
  let gradNorm: Sym | undefined;
  if (clipGradNorm !== undefined) {
    gradNorm = sqrt(sum(grads.map((g) => reduceSumSquare(g))));
    const scale = binary("Min", div(clipGradNorm, add(gradNorm, 1e-6)), 1);
    clipped = grads.map((g) => mul(g, scale));
  }
  // L2-style decay enters the gradient (PyTorch SGD / Adam); AdamW decays the weights instead.
  const effective = clipped.map((g, i) => {
    if (kind === "adamw" || !decays(i)) return g;
    const mask = maskOf(i);
    return add(g, mul(mask ? mul(params[i]!, mask) : params[i]!, weightDecay));
  });

  if (kind === "sgd") {
    if (momentum === 0) return { newParams: params.map((p, i) => sub(p, mul(effective[i]!, lr))), newState: state, ...(gradNorm ? { gradNorm } : {}) };
    const newM = effective.map((g, i) => add(mul(state.m[i]!, momentum), g));
    const newParams = params.map((p, i) => {
      const direction = nesterov ? add(effective[i]!, mul(newM[i]!, momentum)) : newM[i]!;
      return sub(p, mul(direction, lr));
    });
    return { newParams, newState: { m: newM, v: [] }, ...(gradNorm ? { gradNorm } : {}) };
  }

  // Scalars shared by every parameter: bias corrections from the step count.
  const type = params[0]?.elemType ?? "float32";
  const powerOf = (base: number): Sym => binary("Pow", graph.constant(base, [], type), step);
  const stepSize = div(lr, sub(1, powerOf(beta1))); // lr / (1 − β1ᵗ)
  const invBias2 = div(1, sub(1, powerOf(beta2))); // 1 / (1 − β2ᵗ)
  const shrink = kind === "adamw" ? sub(1, mul(lr, weightDecay)) : undefined;

  const newM = effective.map((g, i) => add(mul(state.m[i]!, beta1), mul(g, 1 - beta1)));
  const newV = effective.map((g, i) => add(mul(state.v[i]!, beta2), mul(mul(g, g), 1 - beta2)));
  const newParams = params.map((p, i) => {
    const mask = maskOf(i);
    const start = !shrink || !decays(i) ? p : mul(p, mask ? sub(1, mul(mul(lr, weightDecay), mask)) : shrink);
    const denominator = add(sqrt(mul(newV[i]!, invBias2)), eps);
    return sub(start, mul(div(newM[i]!, denominator), stepSize));
  });
  return { newParams, newState: { m: newM, v: newV }, ...(gradNorm ? { gradNorm } : {}) };
}
