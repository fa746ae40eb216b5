import { describe, expect, test } from "bun:test";
import {
  add,
  compileGraph,
  crossEntropy,
  gradients,
  Graph,
  linear,
  mul,
  optimizerStateInputs,
  optimizerStep,
  relu,
  sigmoid,
  type TensorData,
} from "../../src/onnx/index.ts";
import { carryAdamStep } from "../fixtures/carry-optimizer.ts";

describe("compileGraph / CompiledGraph.run", () => {
  test("writes outputs into caller-owned arrays and returns the same arrays", async () => {
    const g = new Graph();
    const x = g.input("x", "float32", [3]);
    g.output(mul(add(x, 1), 2), "y");
    const compiled = await compileGraph(g);
    const into = new Float32Array(3);
    const out = await compiled.run({ x: Float32Array.from([0, -1, 2]) }, { y: into });
    expect(out.y).toBe(into);
    expect(Array.from(into)).toEqual([2, 0, 6]);
  });

  test("rejects a feed whose length does not match the declared shape", async () => {
    const g = new Graph();
    const x = g.input("x", "float32", [2, 2]);
    g.output(add(x, 1), "y");
    const compiled = await compileGraph(g);
    await expect(compiled.run({ x: new Float32Array(3) })).rejects.toThrow(/3 elements/);
  });

  test("carry loop feeds each step's outputs into the next step's inputs", async () => {
    const g = new Graph();
    const counter = g.input("counter", "float64", [2]);
    const increment = g.input("increment", "float64", [2]);
    g.output(add(counter, increment), "next");
    const loop = (await compileGraph(g)).carry({ next: "counter" }, { counter: Float64Array.from([1, 10]) });
    const buffers = new Set<TensorData>();
    for (let i = 0; i < 4; i++) {
      await loop.step({ increment: Float64Array.from([1, -2]) });
      buffers.add(loop.value("counter"));
    }
    expect(Array.from(loop.value("counter") as Float64Array)).toEqual([5, 2]);
    expect(buffers.size).toBe(2); // two ping-pong buffers, no per-step allocation
  });
});

describe("a train step built from the engine", () => {
  test("a 2-layer MLP's loss falls on a linearly separable set (AdamW, carried params and moments)", async () => {
    const batch = 32;
    const g = new Graph("mlp-step");
    const x = g.input("x", "float32", [batch, 2]);
    const labels = g.input("labels", "int64", [batch]);
    const lr = g.input("lr", "float32", []);
    const step = g.input("step", "float32", []);
    const params = [g.input("w1", "float32", [16, 2]), g.input("b1", "float32", [16]), g.input("w2", "float32", [2, 16]), g.input("b2", "float32", [2])];
    const [w1, b1, w2, b2] = params as [typeof x, typeof x, typeof x, typeof x];
    const loss = crossEntropy(linear(relu(linear(x, w1, b1)), w2, b2), labels);
    const grads = gradients(loss, params);
    const settings = { kind: "adamw", weightDecay: 0.01 } as const;
    const state = optimizerStateInputs(g, params, settings);
    const result = optimizerStep(g, params, grads, state, settings, lr, step);
    g.output(loss, "loss");
    const pairs = carryAdamStep(g, params, result);
    const compiled = await compileGraph(g);

    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const initial: Record<string, Float32Array> = {};
    for (const p of [...params, ...state.m, ...state.v]) {
      const isMoment = p.name.endsWith(".m") || p.name.endsWith(".v");
      initial[p.name] = Float32Array.from({ length: p.size }, () => (isMoment ? 0 : random() * 0.5));
    }
    const loop = compiled.carry(pairs, initial);
    const xs = new Float32Array(batch * 2);
    const ys = new BigInt64Array(batch);
    const losses: number[] = [];
    for (let t = 1; t <= 60; t++) {
      for (let i = 0; i < batch; i++) {
        const a = random();
        const b = random();
        xs[2 * i] = a;
        xs[2 * i + 1] = b;
        ys[i] = a + 0.5 * b > 0 ? 1n : 0n;
      }
      const out = await loop.step({ x: xs, labels: ys, lr: Float32Array.of(0.05), step: Float32Array.of(t) });
      losses.push(Number(out.loss![0]));
    }
    const first = losses.slice(0, 5).reduce((p, v) => p + v, 0) / 5;
    const last = losses.slice(-5).reduce((p, v) => p + v, 0) / 5;
    expect(first).toBeGreaterThan(0.4);
    expect(last).toBeLessThan(0.25);
    expect(last).toBeLessThan(first / 2);
  });
});

describe("graph optimisation level", () => {
  test("float64 graphs avoid fusions into float32-only contrib ops (x·σ(x) would become QuickGelu)", async () => {
    const g = new Graph();
    const x = g.input("x", "float64", [2]);
    g.output(mul(x, sigmoid(x)), "y");
    const out = await (await compileGraph(g)).run({ x: Float64Array.from([0, 2]) });
    expect((out.y as Float64Array)[1]).toBeCloseTo(2 / (1 + Math.exp(-2)), 14);
  });
});
