/**
 * ms per train step and graph node count for small models built with src/onnx, to guide
 * model sizes and graph shape (SPEC §7: each node costs ≈5–10 µs, so node count sets a floor).
 * Variants: a 2-layer MLP, and a ViT-like pre-norm transformer (tokens given, no patchify),
 * each with parameters as separate inputs or packed into one flat vector (one Split in,
 * one Concat of gradients out, one optimizer update for everything).
 *   bun run bench/onnx-step.ts [--steps 100] [--threads 1] [--only "dim 48"] [--profile] [--softmax]
 * --softmax compares, instead of separate vs packed parameters, the packed step with Softmax and
 * LogSoftmax lowered to portable primitives (src/onnx/portable-ops.ts) against onnxruntime's
 * own, CPU-dependent kernels (the default).
 */
import { parseArgs } from "node:util";
import * as fs from "node:fs";
import * as path from "node:path";
import * as o from "../src/onnx/index.ts";
import type { Sym } from "../src/onnx/index.ts";

const defaults = {
  /** timed steps per variant (after 10 warm-up steps) */
  steps: 100,
  /** intra-op threads per session */
  threads: 1,
};
// An unknown option is an error (parseArgs is strict), not silently the default.
const { values: args } = parseArgs({
  options: {
    steps: { type: "string" },
    threads: { type: "string" },
    profile: { type: "boolean", default: false },
    softmax: { type: "boolean", default: false },
    only: { type: "string", default: "" },
  },
});
const settings = {
  steps: Number(args.steps ?? defaults.steps),
  threads: Number(args.threads ?? defaults.threads),
  profile: args.profile,
  /** compare portable Softmax/LogSoftmax with onnxruntime's own kernels instead of separate vs packed */
  softmax: args.softmax,
  /** run only models whose label contains this text */
  only: args.only,
};

interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly decay: boolean;
}

interface ModelSpec {
  readonly label: string;
  readonly params: readonly ParamSpec[];
  readonly batchInputs: (g: o.Graph) => Record<string, Sym>;
  readonly loss: (p: Record<string, Sym>, batch: Record<string, Sym>) => Sym;
  readonly feeds: () => Record<string, o.TensorData>;
}

function mlp(batch: number, inputs: number, hidden: number, classes: number): ModelSpec {
  return {
    label: `MLP ${inputs}-${hidden}-${classes}, batch ${batch}`,
    params: [
      { name: "w1", shape: [hidden, inputs], decay: true },
      { name: "b1", shape: [hidden], decay: false },
      { name: "w2", shape: [classes, hidden], decay: true },
      { name: "b2", shape: [classes], decay: false },
    ],
    batchInputs: (g) => ({ x: g.input("x", "float32", [batch, inputs]), y: g.input("y", "int64", [batch]) }),
    loss: (p, b) => o.crossEntropy(o.linear(o.gelu(o.linear(b.x!, p.w1!, p.b1!)), p.w2!, p.b2!), b.y!),
    feeds: () => ({
      x: Float32Array.from({ length: batch * inputs }, () => Math.random() - 0.5),
      y: BigInt64Array.from({ length: batch }, () => BigInt(Math.floor(Math.random() * classes))),
    }),
  };
}

function transformer(batch: number, seq: number, dim: number, depth: number, heads: number, classes: number): ModelSpec {
  const params: ParamSpec[] = [];
  for (let l = 0; l < depth; l++) {
    const add = (name: string, shape: number[], decay: boolean): void => void params.push({ name: `l${l}.${name}`, shape, decay });
    add("ln1.w", [dim], false);
    add("ln1.b", [dim], false);
    for (const n of ["q", "k", "v", "o"]) {
      add(`${n}.w`, [dim, dim], true);
      add(`${n}.b`, [dim], false);
    }
    add("ln2.w", [dim], false);
    add("ln2.b", [dim], false);
    add("fc1.w", [4 * dim, dim], true);
    add("fc1.b", [4 * dim], false);
    add("fc2.w", [dim, 4 * dim], true);
    add("fc2.b", [dim], false);
  }
  params.push({ name: "lnf.w", shape: [dim], decay: false }, { name: "lnf.b", shape: [dim], decay: false });
  params.push({ name: "head.w", shape: [classes, dim], decay: true }, { name: "head.b", shape: [classes], decay: false });
  return {
    label: `transformer dim ${dim} depth ${depth} heads ${heads}, ${seq} tokens, batch ${batch}`,
    params,
    batchInputs: (g) => ({ x: g.input("x", "float32", [batch * seq, dim]), y: g.input("y", "int64", [batch]) }),
    loss: (p, b) => {
      let h = b.x!;
      for (let l = 0; l < depth; l++) {
        const P = (n: string): Sym => p[`l${l}.${n}`]!;
        const n1 = o.layerNorm(h, P("ln1.w"), P("ln1.b"), 1e-12);
        const att = o.multiHeadAttention(o.linear(n1, P("q.w"), P("q.b")), o.linear(n1, P("k.w"), P("k.b")), o.linear(n1, P("v.w"), P("v.b")), {
          batch,
          seq,
          heads,
        });
        h = o.add(h, o.linear(att, P("o.w"), P("o.b")));
        const n2 = o.layerNorm(h, P("ln2.w"), P("ln2.b"), 1e-12);
        h = o.add(h, o.linear(o.gelu(o.linear(n2, P("fc1.w"), P("fc1.b"))), P("fc2.w"), P("fc2.b")));
      }
      const cls = o.reshape(o.slice(o.reshape(h, [batch, seq, dim]), [0], [1], [1]), [batch, dim]);
      return o.crossEntropy(o.linear(o.layerNorm(cls, p["lnf.w"]!, p["lnf.b"]!, 1e-12), p["head.w"]!, p["head.b"]!), b.y!);
    },
    feeds: () => ({
      x: Float32Array.from({ length: batch * seq * dim }, () => Math.random() - 0.5),
      y: BigInt64Array.from({ length: batch }, () => BigInt(Math.floor(Math.random() * classes))),
    }),
  };
}

function llama(batch: number, seq: number, dim: number, depth: number, heads: number, vocab: number): ModelSpec {
  const hidden = Math.round((8 * dim) / 3);
  const params: ParamSpec[] = [{ name: "embed", shape: [vocab, dim], decay: true }];
  for (let l = 0; l < depth; l++) {
    const add = (name: string, shape: number[], decay: boolean): void => void params.push({ name: `l${l}.${name}`, shape, decay });
    add("norm1", [dim], false);
    for (const n of ["q", "k", "v", "o"]) add(n, [dim, dim], true);
    add("norm2", [dim], false);
    add("gate", [hidden, dim], true);
    add("up", [hidden, dim], true);
    add("down", [dim, hidden], true);
  }
  params.push({ name: "normf", shape: [dim], decay: false }, { name: "head", shape: [vocab, dim], decay: true });
  return {
    label: `llama-like dim ${dim} depth ${depth} heads ${heads}, ${seq} tokens, vocab ${vocab}, batch ${batch}`,
    params,
    batchInputs: (g) => ({ ids: g.input("ids", "int64", [batch * seq]), y: g.input("y", "int64", [batch * seq]) }),
    loss: (p, b) => {
      let h = o.gather(p.embed!, b.ids!);
      for (let l = 0; l < depth; l++) {
        const P = (n: string): Sym => p[`l${l}.${n}`]!;
        const n1 = o.rmsNorm(h, P("norm1"));
        const att = o.multiHeadAttention(o.linear(n1, P("q")), o.linear(n1, P("k")), o.linear(n1, P("v")), { batch, seq, heads, causal: true });
        h = o.add(h, o.linear(att, P("o")));
        const n2 = o.rmsNorm(h, P("norm2"));
        h = o.add(h, o.linear(o.mul(o.silu(o.linear(n2, P("gate"))), o.linear(n2, P("up"))), P("down")));
      }
      return o.crossEntropy(o.linear(o.rmsNorm(h, p.normf!), p.head!), b.y!);
    },
    feeds: () => ({
      ids: BigInt64Array.from({ length: batch * seq }, () => BigInt(Math.floor(Math.random() * vocab))),
      y: BigInt64Array.from({ length: batch * seq }, () => BigInt(Math.floor(Math.random() * vocab))),
    }),
  };
}

interface Prepared {
  readonly describe: (msPerStep: number) => string;
  readonly run: () => Promise<void>;
  readonly finish: () => Promise<void>;
}

async function prepare(model: ModelSpec, packed: boolean, portable = false): Promise<Prepared> {
  const g = new o.Graph("step");
  const lr = g.input("lr", "float32", []);
  const step = g.input("step", "float32", []);
  const batchSyms = model.batchInputs(g);
  const named: Record<string, Sym> = {};
  let trainables: Sym[];
  let decayMask: (boolean | Sym)[];
  if (packed) {
    const packedParams = o.packedParameters(g, "params", model.params);
    model.params.forEach((spec, i) => (named[spec.name] = packedParams.params[i]!));
    trainables = [packedParams.flat];
    decayMask = [
      o.packedDecayMask(
        g,
        model.params,
        model.params.map((p) => p.decay),
      ),
    ];
  } else {
    trainables = model.params.map((spec) => (named[spec.name] = g.input(spec.name, "float32", spec.shape)));
    decayMask = model.params.map((s) => s.decay);
  }
  const forwardStart = g.nodes.length;
  const loss = model.loss(named, batchSyms);
  const forwardNodes = g.nodes.length - forwardStart;
  const grads = o.gradients(loss, trainables);
  const backwardNodes = g.nodes.length - forwardStart - forwardNodes;
  const optimizer = { kind: "adamw", weightDecay: 0.05, decayMask, clipGradNorm: 1 } as const;
  const state = o.optimizerStateInputs(g, trainables, optimizer);
  const before = g.nodes.length;
  const { newParams, newState } = o.optimizerStep(g, trainables, grads, state, optimizer, lr, step);
  const optimizerNodes = g.nodes.length - before;
  g.output(loss, "loss");
  const pairs: Record<string, string> = {};
  const initial: Record<string, o.TensorData> = {};
  trainables.forEach((p, i) => {
    for (const [suffix, value, source] of [
      ["", newParams[i]!, p],
      [".m", newState.m[i]!, state.m[i]!],
      [".v", newState.v[i]!, state.v[i]!],
    ] as const) {
      g.output(value, `${p.name}${suffix}.next`);
      pairs[`${p.name}${suffix}.next`] = source.name;
      initial[source.name] = Float32Array.from({ length: p.size }, () => (suffix === "" ? (Math.random() - 0.5) * 0.1 : 0));
    }
  });
  const compileStart = performance.now();
  const profilePrefix = `/tmp/onnx-step-profile-${packed ? "packed" : "separate"}`;
  const compiled = await o.compileGraph(g, {
    intraOpNumThreads: settings.threads,
    portable,
    ...(settings.profile ? { sessionOptions: { enableProfiling: true, profileFilePrefix: profilePrefix } } : {}),
  });
  const compileMs = performance.now() - compileStart;
  const loop = compiled.carry(pairs, initial);
  const feeds = { ...model.feeds(), lr: Float32Array.of(1e-3), step: new Float32Array(1) };
  const lossOut = new Float32Array(1);
  let t = 0;
  const run = async (): Promise<void> => {
    feeds.step[0] = ++t;
    await loop.step(feeds, { loss: lossOut });
  };
  for (let i = 0; i < 10; i++) await run();
  const paramCount = model.params.reduce((s, p) => s + p.shape.reduce((a, d) => a * d, 1), 0);
  const describe = (msPerStep: number): string =>
    `${model.label.padEnd(66)} ${packed ? "packed  " : "separate"}${portable ? " portable" : ""}  ` +
    `params ${String(paramCount).padStart(7)}  nodes ${String(g.nodes.length).padStart(4)} ` +
    `(fwd ${forwardNodes}, bwd ${backwardNodes}, opt ${optimizerNodes})  compile ${compileMs.toFixed(0)} ms  ` +
    `${msPerStep.toFixed(2)} ms/step  loss ${lossOut[0]!.toFixed(3)}`;
  const finish = async (): Promise<void> => {
    if (settings.profile) {
      compiled.session.endProfiling();
      summariseProfile(newestFile(profilePrefix));
    }
    await compiled.release();
  };
  return { describe, run, finish };
}

/** Time both variants of a model in alternating blocks (the machine is shared, so drift hits both), report the median block. */
async function compare(model: ModelSpec): Promise<void> {
  const variants = settings.softmax
    ? [await prepare(model, true, false), await prepare(model, true, true)]
    : [await prepare(model, false), await prepare(model, true)];
  const blocks = 5;
  const perBlock = Math.max(1, Math.round(settings.steps / blocks));
  const times: number[][] = variants.map(() => []);
  for (let b = 0; b < blocks; b++) {
    for (const [i, variant] of variants.entries()) {
      const start = performance.now();
      for (let s = 0; s < perBlock; s++) await variant.run();
      times[i]!.push((performance.now() - start) / perBlock);
    }
  }
  for (const [i, variant] of variants.entries()) {
    const sorted = [...times[i]!].sort((a, b) => a - b);
    console.log(variant.describe(sorted[Math.floor(sorted.length / 2)]!));
    await variant.finish();
  }
}

/** The most recent file whose path starts with `prefix` (ORT appends a timestamp to profile names). */
function newestFile(prefix: string): string {
  const dir = path.dirname(prefix);
  const files = fs
    .readdirSync(dir)
    .filter((f) => path.join(dir, f).startsWith(prefix))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]!;
}

/** Print the op types that took the most kernel time in an ORT profile (JSON trace). */
function summariseProfile(file: string): void {
  const events = JSON.parse(fs.readFileSync(file, "utf8")) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  const byOp = new Map<string, { us: number; count: number }>();
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
    const op = e.args?.op_name ?? "?";
    const entry = byOp.get(op) ?? { us: 0, count: 0 };
    entry.us += e.dur;
    entry.count += 1;
    byOp.set(op, entry);
  }
  const rows = [...byOp].sort((a, b) => b[1].us - a[1].us).slice(0, 14);
  const total = [...byOp.values()].reduce((s, v) => s + v.us, 0);
  console.log(`  kernel time ${(total / 1000).toFixed(0)} ms over the profiled run; top ops:`);
  for (const [op, { us, count }] of rows)
    console.log(`    ${op.padEnd(28)} ${(us / 1000).toFixed(1).padStart(8)} ms  ${count} calls  ${(us / count).toFixed(1)} µs/call`);
}

console.log(`threads ${settings.threads}, ${settings.steps} timed steps per variant in 5 alternating blocks (median block), AdamW + clipping`);
for (const model of [mlp(64, 64, 128, 10), transformer(32, 17, 48, 3, 4, 10), transformer(64, 17, 64, 4, 4, 10), llama(16, 32, 64, 4, 4, 256)]) {
  if (model.label.includes(settings.only)) await compare(model);
}
