/**
 * Time of one pair and one layer of the pair rules' evidence (src/direction/pair-evidence.ts) at
 * the read cap (PAIR_SAMPLE_VALUES values): recovery spends it k(k−1)/2 times per score layer on
 * a language-model tree under `--pair-direction auto`. Usage: bun run bench/pair-evidence.ts
 */
import { loadavg } from "node:os";
import { pairLayerEvidence } from "../src/direction/pair-evidence.ts";
import { PAIR_SAMPLE_VALUES } from "../src/direction/read-pair-evidence.ts";

const parent = Float32Array.from({ length: PAIR_SAMPLE_VALUES }, (_, i) => Math.sin(i * 12.9898) * 0.02);
const child = parent.map((value, i) => value + Math.cos(i * 0.7) * 0.005);
for (let warm = 0; warm < 3; warm++) pairLayerEvidence(parent, child);
const repeats = 20;
const times: number[] = [];
for (let r = 0; r < repeats; r++) {
  const start = performance.now();
  pairLayerEvidence(parent, child);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(
  `pairLayerEvidence: ${PAIR_SAMPLE_VALUES} values per model, best ${times[0]!.toFixed(2)} ms, median ${times[repeats >> 1]!.toFixed(2)} ms ` +
    `(load ${loadavg()[0]!.toFixed(1)})`,
);
