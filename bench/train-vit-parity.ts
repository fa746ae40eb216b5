/**
 * Cross-framework check of the ViT forward: train a VTHR ViT briefly, save it as a HF
 * checkpoint, and compare the ONNX graph's logits with a PyTorch ViT (Conv2d patch
 * embedding, nn.LayerNorm, exact GELU, HF module layout) that loads the same
 * model.safetensors by its HF names. Needs Debian's python3-torch.
 *
 *   bun run bench/train-vit-parity.ts
 */
import { compareWithTorch } from "./torch-parity.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../src/rng.ts";
import { VTHR_VIT } from "../src/models/vit-config.ts";
import { vitClassifierLogits } from "../src/models/vit.ts";
import { compileGraph, Graph, type Sym } from "../src/onnx/index.ts";
import { saveCheckpoint } from "../src/train/save-checkpoint.ts";
import { trainModel } from "../src/train/train-model.ts";
import { datasetSource } from "../src/harness/dataset-source.ts";

const vit = { ...VTHR_VIT, numClasses: 8 };
const folder = await mkdtemp(join(tmpdir(), "mother-vit-parity-"));
try {
  // 1. a trained (non-trivial) model, saved the way the harness saves it
  const trained = await trainModel(
    {
      objective: { kind: "vit-classification", vit },
      data: { kind: "image-task", task: "hue", seed: 1, trainCount: 512, evalCount: 64 },
      seed: 3,
      steps: 60,
      batchSize: 32,
      optimizer: { kind: "adamw" },
      lr: 1e-3,
      warmupSteps: 5,
    },
    datasetSource,
  );
  await saveCheckpoint(folder, { tensors: trained.params, hfConfig: trained.hfConfig, training: {} });
  // 2. ONNX logits on fixed pixels
  const batch = 4;
  const graph = new Graph();
  const inputs = new Map<string, Sym>(trained.params.map((t) => [t.name, graph.input(t.name, "float32", t.shape)]));
  const pixelsSym = graph.input("pixels", "float32", [batch, 3, vit.imageSize, vit.imageSize]);
  graph.output(
    vitClassifierLogits((name) => inputs.get(name)!, pixelsSym, vit),
    "logits",
  );
  const rng = new Rng(2);
  const pixels = Float32Array.from({ length: batch * 3 * vit.imageSize ** 2 }, () => rng.uniform(-1, 1));
  const onnx = (await (await compileGraph(graph)).run({ pixels, ...Object.fromEntries(trained.params.map((t) => [t.name, t.data])) })).logits as Float32Array;
  await writeFile(join(folder, "pixels.bin"), pixels);
  // 3. PyTorch logits from the same file
  compareWithTorch(join(import.meta.dir, "train-vit-torch.py"), folder, onnx, "ViT logits, ONNX vs PyTorch on the same HF checkpoint", 1e-5);
} finally {
  await rm(folder, { recursive: true, force: true });
}
