/** Shared tiny training fixture for test/train (not a test file). */
import type { VitConfig } from "../../src/models/vit-config.ts";
import type { TrainConfig } from "../../src/train/train-config.ts";

/** A ViT small enough to train in ~0.1 s: 8×8 images, 4 patches + CLS. */
export const TINY_VIT: VitConfig = {
  dim: 16,
  depth: 2,
  heads: 2,
  mlpDim: 32,
  patch: 4,
  imageSize: 8,
  numClasses: 6,
  layerNormEps: 1e-12,
  initializerRange: 0.02,
};

/** Background-hue classification (6 classes) on 8×8 images: learnable in a few dozen steps. */
export const TINY_RUN: TrainConfig = {
  objective: { kind: "vit-classification", vit: TINY_VIT },
  data: { kind: "image-task", task: "background-hue", seed: 3, trainCount: 256, evalCount: 64, imageSize: 8 },
  seed: 11,
  steps: 40,
  batchSize: 16,
  optimizer: { kind: "adamw", weightDecay: 0.01, clipGradNorm: 1 },
  lr: 1e-2,
  warmupSteps: 4,
};
