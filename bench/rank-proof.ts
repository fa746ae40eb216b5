/**
 * The rank proof's speed (docs/scale.md "The probe's ranks"): `mother_rank_differences` on the same
 * random sketch pairs, once ranking every pair exactly (bidiagonalisation and bisection, atLeast 0)
 * and once with a bar (a pair whose rank is proven to be at least `--at-least` by the Cholesky test
 * is given the bar, unranked). Random Gaussian differences have full rank, so every pair is
 * proven: the second time is the proof's own cost. The two are timed alternately, `--calls` calls a
 * round each, the order swapped every round; both must give the same ranks where the proof is not
 * taken (checked: every proven pair's exact rank is at least the bar).
 *
 *   1. `--sketches` random rows × cols sketches (the probe's shape by default: 48 × 40), seeded;
 *   2. `--pairs` random pairs of distinct sketches;
 *   3. `--rounds` rounds (even), each timing `--calls` calls of either way, the order swapped each round.
 *
 * Usage: flock /work/heavy.lock bun run bench/rank-proof.ts [--sketches 20] [--pairs 27] [--rows 48] [--cols 40]
 *        [--at-least 20] [--calls 2000] [--rounds 4]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { threadKernels } from "../src/kernels/weight-kernels.ts";
import { DEFAULT_RANK_EPSILON, differenceNoiseFloor, type LayerSketch } from "../src/recover/low-rank-sketch.ts";
import { makeGaussian } from "../src/recover/seeded-random.ts";

/** Every setting, with its default: a flag of the same name (`--at-least 16`) overrides it. */
const defaults = { sketches: 20, pairs: 27, rows: 48, cols: 40, "at-least": 20, calls: 2000, rounds: 4 };
const { values: given } = parseArgs({ options: Object.fromEntries(Object.keys(defaults).map((name) => [name, { type: "string" as const }])) });
const setting = (name: keyof typeof defaults) => {
  const value = Number(given[name] ?? defaults[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} ${given[name]}: expected a positive whole number`);
  return value;
};
const [sketchCount, pairCount, rows, cols, atLeast, calls, rounds] = (["sketches", "pairs", "rows", "cols", "at-least", "calls", "rounds"] as const).map(
  setting,
) as [number, number, number, number, number, number, number];
if (rounds % 2 !== 0) throw new Error(`--rounds ${rounds}: an even count, so each way runs first as often`);

const kernels = await threadKernels();
if (kernels.backend !== "native") throw new Error(`the rank kernels are native only (this machine runs ${kernels.backend})`);

// 1. The sketches, at a layer's scale with f32 storage rounding.
const count = rows * cols;
const sketches: LayerSketch[] = Array.from({ length: sketchCount }, (_, m) => ({
  rows,
  cols,
  data: Float64Array.from(makeGaussian(count, 1000 + m), (v) => 0.02 * v),
  noiseGain: Math.sqrt(rows) + Math.sqrt(cols),
  roundingScale: 0.02 * 2 ** -24,
}));

// 2. The pairs (distinct sketches) and their noise floors.
const picks = makeGaussian(2 * pairCount, 7);
const pairs = new Int32Array(2 * pairCount);
for (let q = 0; q < pairCount; q++) {
  const a = Math.floor(Math.abs(picks[2 * q]! * 1e6)) % sketchCount;
  pairs[2 * q] = a;
  pairs[2 * q + 1] = (a + 1 + (Math.floor(Math.abs(picks[2 * q + 1]! * 1e6)) % (sketchCount - 1))) % sketchCount;
}
const floors = Float64Array.from({ length: pairCount }, (_, q) =>
  differenceNoiseFloor(sketches[pairs[2 * q]!]!, sketches[pairs[2 * q + 1]!]!, sketches[0]!.noiseGain),
);

// 3. Alternating rounds: ms a call, each way.
const times: Record<"exact" | "proof", number[]> = { exact: [], proof: [] };
const ranks: Record<"exact" | "proof", Int32Array | undefined> = { exact: undefined, proof: undefined };
kernels.scratch(() => {
  const slots = kernels.allocate(sketchCount * count * 8);
  sketches.forEach((sketch, m) => kernels.f64(slots + m * count * 8, count).set(sketch.data));
  const run = (way: "exact" | "proof") => {
    const bar = way === "proof" ? atLeast : 0;
    const start = performance.now();
    for (let c = 0; c < calls; c++) ranks[way] = kernels.rankDifferences(slots, sketchCount, rows, cols, pairs, floors, DEFAULT_RANK_EPSILON, bar);
    times[way].push((performance.now() - start) / calls);
  };
  for (let round = 0; round < rounds; round++) {
    const order: ("exact" | "proof")[] = round % 2 === 0 ? ["exact", "proof"] : ["proof", "exact"];
    for (const way of order) run(way);
  }
});
const proven = [...ranks.proof!].filter((rank, q) => rank === atLeast && ranks.exact![q]! >= atLeast).length;
if ([...ranks.proof!].some((rank, q) => rank !== ranks.exact![q]! && !(rank === atLeast && ranks.exact![q]! >= atLeast))) {
  throw new Error("the proof gave a rank the exact path does not bear out");
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const describe = (way: "exact" | "proof") => {
  const ms = median(times[way]);
  return `${ms.toFixed(3)} ms a call (${((ms * 1000) / pairCount).toFixed(2)} µs a pair; rounds ${times[way].map((t) => t.toFixed(3)).join(", ")})`;
};
console.log(`${sketchCount} sketches ${rows} × ${cols}, ${pairCount} pairs, bar ${atLeast}: ${proven} of ${pairCount} pairs proven`);
console.log(`exact ranks:  ${describe("exact")}`);
console.log(`with the bar: ${describe("proof")}`);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
