/**
 * Time of differenceRank on a 768×768 layer (ViT-Base attention size): a rank-8 LoRA-style
 * difference (sketch path), the same saved in bf16 (noise floor), and a full-rank difference
 * (different trees: exact path). Also measures the bf16 rounding-noise level that
 * NOISE_FLOOR_FACTOR is set against. Usage: bun run bench/difference-rank.ts [size]
 */
import { bidiagonalize, bidiagonalSingularValue } from "../src/distance/bidiagonal-singular-values.ts";
import { differenceRank, NOISE_FLOOR_FACTOR, UNIT_ROUNDOFF } from "../src/distance/difference-rank.ts";

const n = Number(process.argv[2] ?? 768);
let state = 12345;
const uniform = () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return (state + 0.5) / 2 ** 32;
};
const gaussian = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const bits = new Uint32Array(1);
const word = new Float32Array(bits.buffer);
const toBf16 = (x: number) => {
  word[0] = x;
  const b = bits[0]!;
  bits[0] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 0) & 0xffff0000;
  return word[0]!;
};

function loraChild(parent: Float32Array, rank: number, relativeSize: number): Float32Array {
  const left = Float64Array.from({ length: n * rank }, gaussian);
  const right = Float64Array.from({ length: rank * n }, gaussian);
  const update = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < rank; k++) {
      const l = left[i * rank + k]!;
      for (let j = 0; j < n; j++) update[i * n + j]! += l * right[k * n + j]!;
    }
  let sumSquares = 0;
  for (const x of update) sumSquares += x * x;
  const scale = (relativeSize * 0.02) / Math.sqrt(sumSquares / (n * n));
  return parent.map((x, i) => x + scale * update[i]!);
}

function time(label: string, run: () => number, repeats = 3): void {
  run(); // warm the JIT
  const times: number[] = [];
  let rank = 0;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    rank = run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(34)} rank ${String(rank).padStart(4)}  best ${times[0]!.toFixed(0).padStart(5)} ms  median ${times[repeats >> 1]!.toFixed(0).padStart(5)} ms`);
}

const parent = Float32Array.from({ length: n * n }, () => 0.02 * gaussian());
const child = loraChild(parent, 8, 0.01);
const stranger = Float32Array.from({ length: n * n }, () => 0.02 * gaussian());
console.log(`differenceRank on ${n}×${n}`);
time("rank-8 LoRA child, f32", () => differenceRank(child, parent, n, n));
time("rank-8 LoRA child, both bf16", () => differenceRank(child.map(toBf16), parent.map(toBf16), n, n));
time("rank-64 difference, f32", () => differenceRank(loraChild(parent, 64, 0.01), parent, n, n), 1);
time("full rank (different trees)", () => differenceRank(stranger, parent, n, n), 1);

// The noise floor: top singular value of bf16(w + δ) − bf16(w) − δ (pure storage rounding),
// in units of u·rms(w)·(√m+√n); NOISE_FLOOR_FACTOR must sit above it.
const side = 384;
for (const relativeUpdate of [1e-3, 1e-2, 1e-1]) {
  const weights = Float64Array.from({ length: side * side }, () => 0.02 * gaussian());
  const update = Float64Array.from({ length: side * side }, () => relativeUpdate * 0.02 * gaussian());
  const noise = new Float64Array(side * side);
  let sumSquares = 0;
  for (let i = 0; i < noise.length; i++) {
    const child = toBf16(weights[i]! + update[i]!);
    const parent = toBf16(weights[i]!);
    noise[i] = child - parent - update[i]!;
    sumSquares += child * child + parent * parent;
  }
  const unit = UNIT_ROUNDOFF.BF16 * Math.sqrt(sumSquares / (2 * side * side)) * 2 * Math.sqrt(side);
  const top = bidiagonalSingularValue(bidiagonalize(noise, side, side), 0, 1e-6);
  console.log(`bf16 rounding noise (update ${relativeUpdate} of the weights): top σ = ${(top / unit).toFixed(2)} · u·rms·(√m+√n)  (floor factor ${NOISE_FLOOR_FACTOR})`);
}
