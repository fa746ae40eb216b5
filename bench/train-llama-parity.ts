/**
 * Cross-framework check of the Llama-like LM forward: train SMALL_LLAMA briefly, save it as a
 * HF checkpoint, and compare the ONNX graph's logits with bench/train-llama-torch.py (HF's
 * LlamaForCausalLM forward in PyTorch) on the same model.safetensors. Needs python3-torch.
 *
 *   bun run bench/train-llama-parity.ts
 */
import { compareWithTorch } from "./torch-parity.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMALL_LLAMA } from "../src/models/llama-config.ts";
import { llamaLogits } from "../src/models/llama.ts";
import { compileGraph, Graph, type Sym } from "../src/onnx/index.ts";
import { DEFAULT_LM_PRETRAIN } from "../src/train/default-recipes.ts";
import { saveCheckpoint } from "../src/train/save-checkpoint.ts";
import { trainModel } from "../src/train/train-model.ts";
import { datasetSource } from "../src/harness/dataset-source.ts";

const folder = await mkdtemp(join(tmpdir(), "mother-llama-parity-"));
try {
  const trained = await trainModel(
    {
      ...DEFAULT_LM_PRETRAIN,
      steps: 60,
      warmupSteps: 5,
      data: { kind: "text", corpus: "english", seed: 1, maxBytes: 100_000 },
    },
    datasetSource,
  );
  await saveCheckpoint(folder, { tensors: trained.params, hfConfig: trained.hfConfig, training: {} });
  const batch = 2;
  const graph = new Graph();
  const inputs = new Map<string, Sym>(trained.params.map((t) => [t.name, graph.input(t.name, "float32", t.shape)]));
  const ids = graph.input("input_ids", "int64", [batch, SMALL_LLAMA.contextLength]);
  graph.output(
    llamaLogits((name) => inputs.get(name)!, ids, SMALL_LLAMA),
    "logits",
  );
  const tokens = BigInt64Array.from({ length: batch * SMALL_LLAMA.contextLength }, (_, i) =>
    BigInt("The quick brown fox jumps over the lazy dog; 0123456789 and more text here!".charCodeAt(i % 70)),
  );
  const onnx = (await (await compileGraph(graph)).run({ input_ids: tokens, ...Object.fromEntries(trained.params.map((t) => [t.name, t.data])) }))
    .logits as Float32Array;
  await writeFile(join(folder, "input_ids.bin"), tokens);
  compareWithTorch(join(import.meta.dir, "train-llama-torch.py"), folder, onnx, "Llama logits, ONNX vs PyTorch (HF forward) on the same checkpoint", 1e-4);
} finally {
  await rm(folder, { recursive: true, force: true });
}
