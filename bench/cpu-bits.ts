/**
 * Which results depend on the CPU (docs/reproducibility.md): prints a hash of each onnxruntime
 * op's output on fixed inputs, then of the parameters after the first steps of three VTHR models
 * (a supervised root, a masked-patch root, and a full and a LoRA fine-tune of a third root).
 * Run it natively and on an emulated CPU without AVX-512 and compare the two outputs:
 *
 *   bun run bench/cpu-bits.ts [--steps 10] [--portable]
 *   qemu-x86_64 -cpu Haswell "$(which bun)" bench/cpu-bits.ts [--steps 10] [--portable]    (Debian: apt-get install qemu-user)
 *
 * --portable trains with Softmax/LogSoftmax as CPU-independent primitives (src/onnx/portable-ops.ts).
 *
 * A hash that differs is a kernel onnxruntime picked by instruction set (MLAS, platform.cpp).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { datasetSource } from "../src/harness/dataset-source.ts";
import { planVthr } from "../src/harness/vthr/plan-vthr.ts";
import { VTHR_DEFAULTS } from "../src/harness/vthr/vthr-settings.ts";
import * as o from "../src/onnx/index.ts";
import { saveCheckpoint } from "../src/train/save-checkpoint.ts";
import type { TrainConfig } from "../src/train/train-config.ts";
import { trainModel } from "../src/train/train-model.ts";

const { values: args } = parseArgs({ options: { steps: { type: "string", default: "10" }, portable: { type: "boolean", default: false } } });
const steps = Number(args.steps);

function hashOf(arrays: readonly { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }[]): string {
  const hash = new Bun.CryptoHasher("sha256");
  for (const a of arrays) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest("hex").slice(0, 16);
}

/** Uniform values in [−2, 2) from a linear congruential generator (the same on every machine). */
function fixedValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 4;
  }
  return out;
}

// 1. single ops on a 544 × 48 float32 input (32 images × 17 tokens, width 48: the VTHR ViT's activations)
const [rows, width] = [544, 48];
const ops: [string, (x: o.Sym, g: o.Graph) => o.Sym][] = [
  ["MatMul", (x, g) => o.matmul(x, g.input("w", "float32", [width, 4 * width]))],
  ["Softmax", (x) => o.softmax(x)],
  ["LogSoftmax", (x) => o.logSoftmax(x)],
  ["Gelu", (x) => o.gelu(x)],
  ["LayerNormalization", (x, g) => o.layerNorm(x, g.input("scale", "float32", [width]), g.input("bias", "float32", [width]))],
  ["Exp", (x) => o.unary("Exp", x)],
  ["Tanh", (x) => o.unary("Tanh", x)],
  ["ReduceSum", (x) => o.reduceSum(x, [1])],
];
for (const [name, build, portable] of [
  ...ops.map(([name, build]) => [name, build, false] as const),
  ["Softmax, portable", (x: o.Sym) => o.softmax(x), true] as const,
  ["LogSoftmax, portable", (x: o.Sym) => o.logSoftmax(x), true] as const,
]) {
  const g = new o.Graph();
  g.output(build(g.input("x", "float32", [rows, width]), g), "y");
  const compiled = await o.compileGraph(g, { portable });
  const feeds = Object.fromEntries(
    [...compiled.inputs.values()].map((spec, i) => [
      spec.name,
      fixedValues(
        spec.shape.reduce((a, b) => a * b, 1),
        i + 1,
      ),
    ]),
  );
  console.log(`op ${name.padEnd(20)} ${hashOf([(await compiled.run(feeds)).y!])}`);
}

// 2. the first steps of VTHR models, with onnxruntime's own Softmax kernels (the trainer's default) or portable ones
const portableSoftmax = args.portable;
const plan = planVthr(VTHR_DEFAULTS);
const short = (config: TrainConfig, parent?: string): TrainConfig => ({
  ...config,
  steps,
  warmupSteps: Math.min(config.warmupSteps, steps),
  evalEvery: 0,
  snapshotEvery: 0,
  ...(parent === undefined ? {} : { parent }),
});
const paramsHash = (result: Awaited<ReturnType<typeof trainModel>>) => hashOf(result.params.map((p) => p.data));
for (const root of [plan.roots[0]!, plan.roots[2]!])
  console.log(`train ${root.id.padEnd(24)} ${paramsHash(await trainModel(short(root.config), datasetSource, { portableSoftmax }))}`);
const base = plan.roots[1]!;
const folder = await mkdtemp(join(tmpdir(), "mother-cpu-bits-"));
try {
  const trained = await trainModel(short(base.config), datasetSource, { portableSoftmax });
  console.log(`train ${base.id.padEnd(24)} ${paramsHash(trained)}`);
  await saveCheckpoint(folder, { tensors: trained.params, hfConfig: trained.hfConfig, training: short(base.config) });
  for (const split of ["ft", "lora-v"] as const) {
    const child = plan.splits.get(split)!.find((m) => m.parent === base.id)!;
    console.log(`train ${child.id.padEnd(24)} ${paramsHash(await trainModel(short(child.config, folder), datasetSource, { portableSoftmax }))}`);
  }
} finally {
  await rm(folder, { recursive: true, force: true });
}
