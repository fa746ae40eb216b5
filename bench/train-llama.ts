/**
 * ms per train step and per whole run of the Llama-like LM family's default configs
 * (the numbers behind SMALL_LLAMA and DEFAULT_LM_PRETRAIN). One ORT thread.
 *
 *   bun run bench/train-llama.ts
 */
import { SMALL_LLAMA } from "../src/models/llama-config.ts";
import { DEFAULT_LM_PRETRAIN } from "../src/train/default-recipes.ts";
import { trainModel } from "../src/train/train-model.ts";
import { datasetSource } from "../src/harness/dataset-source.ts";

const steps = process.argv.includes("--quick") ? 30 : 150;
for (const batchSize of [8, 16, 32]) {
  const started = process.cpuUsage();
  const result = await trainModel(
    {
      ...DEFAULT_LM_PRETRAIN,
      steps,
      batchSize,
      warmupSteps: 10,
      data: { kind: "text", corpus: "english", seed: 1, maxBytes: 400_000 },
    },
    datasetSource,
  );
  const cpu = process.cpuUsage(started);
  console.log(
    `SMALL_LLAMA (dim ${SMALL_LLAMA.dim}, depth ${SMALL_LLAMA.depth}, ctx ${SMALL_LLAMA.contextLength}) batch ${batchSize}: ` +
      `${result.msPerStep.toFixed(2)} ms/step (wall, loop), ` +
      `${((cpu.user + cpu.system) / 1000 / steps).toFixed(2)} ms/step CPU incl. setup; held-out loss ` +
      `${result.evals.at(-1)!.loss.toFixed(3)} after ${steps} steps`,
  );
}
