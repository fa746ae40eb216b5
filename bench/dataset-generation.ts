/**
 * Images per second for every image task (one thread, 32×32 unless --size), the
 * pre-training mixture, and the time to build each text corpus. Guides how much data
 * the VTHR run can afford to generate on the fly instead of caching it.
 *   bun run bench/dataset-generation.ts [--images 5000] [--size 32]
 */
import { parseArgs } from "node:util";
import { chatCorpus, codeCorpus, englishCorpus, instructCorpus, pretrainMixture, pythonCorpus, TASKS } from "../datasets/index.ts";

const defaults = {
  /** images generated per task (after a 200-image warm-up) */
  images: 5000,
  /** image side in pixels */
  size: 32,
};
// An unknown option is an error (parseArgs is strict), not silently the default.
const { values: args } = parseArgs({ options: { images: { type: "string" }, size: { type: "string" } } });
const settings = { images: Number(args.images ?? defaults.images), size: Number(args.size ?? defaults.size) };

// 1. Every task alone.
let totalImages = 0;
let totalMs = 0;
for (const task of TASKS) {
  task.generate(0, 200, settings.size);
  const start = performance.now();
  task.generate(1, settings.images, settings.size);
  const ms = performance.now() - start;
  totalImages += settings.images;
  totalMs += ms;
  console.log(
    `${task.name.padEnd(18)} ${task.numClasses.toString().padStart(2)} classes  ${Math.round((settings.images / ms) * 1000)
      .toString()
      .padStart(6)} images/s`,
  );
}
console.log(
  `${"all tasks".padEnd(29)} ${Math.round((totalImages / totalMs) * 1000)
    .toString()
    .padStart(6)} images/s`,
);

// 2. A pre-training mixture of five tasks.
const mixStart = performance.now();
pretrainMixture(["count-objects", "shape", "texture", "digits", "light-azimuth"], 1, settings.images, settings.size);
const mixMs = performance.now() - mixStart;
console.log(
  `${"mixture of 5".padEnd(29)} ${Math.round((settings.images / mixMs) * 1000)
    .toString()
    .padStart(6)} images/s`,
);

// 3. Text corpora (first build reads the package files; the second shows the cached-read cost).
for (const [name, build] of [
  ["english", englishCorpus],
  ["code", codeCorpus],
  ["python", pythonCorpus],
  ["chat", chatCorpus],
  ["instruct", instructCorpus],
] as const) {
  const start = performance.now();
  const tokens = build();
  const ms = performance.now() - start;
  console.log(`${(`${name} corpus`).padEnd(18)} ${(tokens.length / 1e6).toFixed(2).padStart(6)} M tokens  ${ms.toFixed(0).padStart(5)} ms`);
}
