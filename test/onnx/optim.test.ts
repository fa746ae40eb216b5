/**
 * Optimizer steps in the graph equal a hand-written TypeScript reference (PyTorch
 * formulas) over three steps, with a learning rate that changes per step.
 */
import { describe, expect, test } from "bun:test";
import * as o from "../../src/onnx/index.ts";
import type { OptimizerSettings } from "../../src/onnx/index.ts";

interface Slot {
  p: number[];
  m: number[];
  v: number[];
}

/** PyTorch-semantics reference of one step for one parameter (global clip scale given). */
function referenceStep(s: Slot, grad: number[], settings: OptimizerSettings, lr: number, t: number, decays: boolean): void {
  const { kind, momentum = 0, nesterov = false, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = settings;
  const wd = decays ? (settings.weightDecay ?? (kind === "adamw" ? 0.01 : 0)) : 0;
  for (let i = 0; i < s.p.length; i++) {
    let g = grad[i]!;
    if (kind !== "adamw") g += wd * s.p[i]!;
    if (kind === "sgd") {
      if (momentum === 0) {
        s.p[i]! -= lr * g;
        continue;
      }
      s.m[i] = momentum * s.m[i]! + g;
      s.p[i]! -= lr * (nesterov ? g + momentum * s.m[i]! : s.m[i]!);
      continue;
    }
    if (kind === "adamw") s.p[i] = s.p[i]! * (1 - lr * wd);
    s.m[i] = beta1 * s.m[i]! + (1 - beta1) * g;
    s.v[i] = beta2 * s.v[i]! + (1 - beta2) * g * g;
    const mHat = s.m[i]! / (1 - beta1 ** t);
    const vHat = s.v[i]! / (1 - beta2 ** t);
    s.p[i]! -= (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}

/** Loss Σ c·p² per parameter so the gradient 2c·p changes from step to step. */
async function compare(settings: OptimizerSettings, decayMask?: boolean[]): Promise<number> {
  const g = new o.Graph();
  const shapes = [[2, 3], [3]];
  const coefficients = [0.7, -1.3];
  const params = shapes.map((shape, i) => g.input(`p${i}`, "float64", shape));
  const loss = o.sum(params.map((p, i) => o.reduceSum(o.mul(o.mul(p, p), coefficients[i]!))));
  const grads = o.gradients(loss, params);
  const state = o.optimizerStateInputs(g, params, { ...settings, ...(decayMask ? { decayMask } : {}) });
  const lr = g.input("lr", "float64", []);
  const step = g.input("step", "float64", []);
  const { newParams, newState } = o.optimizerStep(g, params, grads, state, { ...settings, ...(decayMask ? { decayMask } : {}) }, lr, step);
  const pairs: Record<string, string> = {};
  const initial: Record<string, Float64Array> = {};
  params.forEach((p, i) => {
    g.output(newParams[i]!, `${p.name}.next`);
    pairs[`${p.name}.next`] = p.name;
    initial[p.name] = Float64Array.from({ length: p.size }, (_, j) => (j === 0 ? 0 : ((j * 0.37 + i) % 1) * 2 - 1));
    for (const [key, list] of [
      ["m", newState.m],
      ["v", newState.v],
    ] as const) {
      if (list.length === 0) continue;
      g.output(list[i]!, `${p.name}.${key}.next`);
      pairs[`${p.name}.${key}.next`] = `${p.name}.${key}`;
      initial[`${p.name}.${key}`] = new Float64Array(p.size);
    }
  });
  const loop = (await o.compileGraph(g)).carry(pairs, initial);
  const slots: Slot[] = params.map((p) => ({ p: Array.from(initial[p.name]!), m: new Array(p.size).fill(0), v: new Array(p.size).fill(0) }));
  const rates = [0.1, 0.05, 0.02];
  let worst = 0;
  for (let t = 1; t <= rates.length; t++) {
    const rate = rates[t - 1]!;
    let grads = slots.map((s, i) => s.p.map((x) => 2 * coefficients[i]! * x));
    if (settings.clipGradNorm !== undefined) {
      const norm = Math.sqrt(grads.flat().reduce((a, x) => a + x * x, 0));
      const scale = Math.min(1, settings.clipGradNorm / (norm + 1e-6));
      grads = grads.map((gr) => gr.map((x) => x * scale));
    }
    slots.forEach((s, i) => referenceStep(s, grads[i]!, settings, rate, t, decayMask?.[i] ?? true));
    await loop.step({ lr: Float64Array.of(rate), step: Float64Array.of(t) });
    slots.forEach((s, i) => {
      const got = loop.value(params[i]!.name) as Float64Array;
      s.p.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - got[j]!))));
    });
  }
  return worst;
}

describe("optimizerStep matches a TypeScript reference over three steps", () => {
  test("plain SGD with L2 weight decay", async () => {
    expect(await compare({ kind: "sgd", weightDecay: 0.1 })).toBeLessThan(1e-12);
  });
  test("SGD with momentum", async () => {
    expect(await compare({ kind: "sgd", momentum: 0.9 })).toBeLessThan(1e-12);
  });
  test("SGD with Nesterov momentum", async () => {
    expect(await compare({ kind: "sgd", momentum: 0.8, nesterov: true })).toBeLessThan(1e-12);
  });
  test("Adam with bias correction from the step input", async () => {
    expect(await compare({ kind: "adam", beta1: 0.8, beta2: 0.95 })).toBeLessThan(1e-12);
  });
  test("AdamW decouples weight decay, and the mask exempts a parameter", async () => {
    expect(await compare({ kind: "adamw", weightDecay: 0.2 }, [true, false])).toBeLessThan(1e-12);
  });
  test("global-norm clipping scales every gradient by the same factor", async () => {
    expect(await compare({ kind: "adam", clipGradNorm: 0.5 })).toBeLessThan(1e-12);
  });
  test("rejects params and grads of different lengths", () => {
    const g = new o.Graph();
    const p = g.input("p", "float64", [1]);
    expect(() => o.optimizerStep(g, [p], [], { m: [], v: [] }, { kind: "sgd" }, p, p)).toThrow(/1 params but 0 grads/);
  });
});
