import { describe, expect, test } from "bun:test";
import * as o from "../../src/onnx/index.ts";
import type { Sym } from "../../src/onnx/index.ts";
import { carryAdamStep } from "../fixtures/carry-optimizer.ts";

const SPECS = [
  { name: "w1", shape: [4, 3] },
  { name: "b1", shape: [4] },
  { name: "w2", shape: [2, 4] },
  { name: "b2", shape: [2] },
];
const DECAYS = [true, false, true, false];

describe("packValues / unpackValues", () => {
  test("round-trip named tensors through one flat array, unpacking as views", () => {
    const values = Object.fromEntries(SPECS.map((s, i) => [s.name, Float64Array.from({ length: s.shape.reduce((p, d) => p * d, 1) }, (_, j) => i * 100 + j)]));
    const flat = o.packValues(SPECS, values, new Float64Array(26));
    const views = o.unpackValues(SPECS, flat);
    for (const s of SPECS) expect(Array.from(views[s.name]!)).toEqual(Array.from(values[s.name]!));
    views.b1![0] = -1;
    expect(flat[12]).toBe(-1);
  });
  test("reject a missing tensor or a flat array of the wrong length", () => {
    expect(() => o.packValues(SPECS, {}, new Float64Array(26))).toThrow(/w1 needs 12 values/);
    expect(() => o.unpackValues(SPECS, new Float64Array(25))).toThrow(/26 values/);
  });
});

/** Two AdamW steps of a tiny MLP with masked decay, with separate or packed parameters. */
async function twoSteps(packed: boolean): Promise<{ params: Record<string, Float64Array>; losses: number[] }> {
  const g = new o.Graph();
  const x = g.input("x", "float64", [5, 3]);
  const labels = g.input("labels", "int64", [5]);
  const lr = g.input("lr", "float64", []);
  const step = g.input("step", "float64", []);
  let named: Sym[];
  let trainables: Sym[];
  let decayMask: (boolean | Sym)[];
  if (packed) {
    const p = o.packedParameters(g, "params", SPECS, "float64");
    named = p.params;
    trainables = [p.flat];
    decayMask = [o.packedDecayMask(g, SPECS, DECAYS, "float64")];
  } else {
    named = SPECS.map((s) => g.input(s.name, "float64", s.shape));
    trainables = named;
    decayMask = DECAYS;
  }
  const [w1, b1, w2, b2] = named as [Sym, Sym, Sym, Sym];
  const loss = o.crossEntropy(o.linear(o.tanh(o.linear(x, w1, b1)), w2, b2), labels);
  const settings = { kind: "adamw", weightDecay: 0.3, decayMask } as const;
  const state = o.optimizerStateInputs(g, trainables, settings);
  const result = o.optimizerStep(g, trainables, o.gradients(loss, trainables), state, settings, lr, step);
  g.output(loss, "loss");
  const pairs = carryAdamStep(g, trainables, result);
  const initialValues = Object.fromEntries(
    SPECS.map((s, i) => [s.name, Float64Array.from({ length: s.shape.reduce((p, d) => p * d, 1) }, (_, j) => Math.sin(i * 7 + j) * 0.8)]),
  );
  const initial: Record<string, Float64Array> = packed ? { params: o.packValues(SPECS, initialValues, new Float64Array(26)) } : { ...initialValues };
  trainables.forEach((p) => {
    initial[`${p.name}.m`] = new Float64Array(p.size);
    initial[`${p.name}.v`] = new Float64Array(p.size);
  });
  const loop = (await o.compileGraph(g)).carry(pairs, initial);
  const feeds = {
    x: Float64Array.from({ length: 15 }, (_, j) => Math.cos(j) * 1.5),
    labels: BigInt64Array.from([0n, 1n, 1n, 0n, 1n]),
    lr: Float64Array.of(0.1),
  };
  const losses: number[] = [];
  for (let t = 1; t <= 2; t++) losses.push(Number((await loop.step({ ...feeds, step: Float64Array.of(t) })).loss![0]));
  const params = packed
    ? o.unpackValues(SPECS, loop.value("params") as Float64Array)
    : Object.fromEntries(SPECS.map((s) => [s.name, loop.value(s.name) as Float64Array]));
  return { params, losses };
}

describe("packedParameters", () => {
  test("training a flat vector equals training separate tensors (AdamW with per-tensor decay mask)", async () => {
    const separate = await twoSteps(false);
    const packed = await twoSteps(true);
    expect(packed.losses[0]).toBeCloseTo(separate.losses[0]!, 12);
    expect(packed.losses[1]).toBeCloseTo(separate.losses[1]!, 12);
    for (const s of SPECS) {
      const a = separate.params[s.name]!;
      const b = packed.params[s.name]!;
      a.forEach((v, j) => expect(Math.abs(v - b[j]!)).toBeLessThan(1e-12));
    }
    expect(separate.losses[1]).not.toBeCloseTo(separate.losses[0]!, 6); // the step did something
  });
});
