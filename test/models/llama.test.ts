import { describe, expect, test } from "bun:test";
import { Rng } from "../../src/rng.ts";
import type { LlamaConfig } from "../../src/models/llama-config.ts";
import { rotaryEmbedding } from "../../src/models/llama.ts";
import { compileGraph, Graph } from "../../src/onnx/index.ts";

const CONFIG: LlamaConfig = {
  vocabSize: 16,
  dim: 8,
  depth: 1,
  heads: 2,
  mlpDim: 8,
  contextLength: 5,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  initializerRange: 0.02,
};

describe("rotaryEmbedding", () => {
  test("matches HF apply_rotary_pos_emb (rotate_half, cat(freqs, freqs)) per head and position", async () => {
    const batch = 2;
    const rows = batch * CONFIG.contextLength;
    const graph = new Graph();
    const x = graph.input("x", "float64", [rows, CONFIG.dim]);
    graph.output(rotaryEmbedding(graph, CONFIG, batch, "float64")(x), "y");
    const rng = new Rng(4);
    const values = Float64Array.from({ length: rows * CONFIG.dim }, () => rng.normal());
    const y = (await (await compileGraph(graph)).run({ x: values })).y as Float64Array;
    const headDim = CONFIG.dim / CONFIG.heads;
    const half = headDim / 2;
    for (let row = 0; row < rows; row++) {
      const position = row % CONFIG.contextLength;
      for (let head = 0; head < CONFIG.heads; head++) {
        const q = values.subarray(row * CONFIG.dim + head * headDim, row * CONFIG.dim + (head + 1) * headDim);
        for (let i = 0; i < headDim; i++) {
          const invFreq = 1 / CONFIG.ropeTheta ** ((2 * (i % half)) / headDim);
          const angle = position * invFreq;
          const rotated = i < half ? -q[i + half]! : q[i - half]!;
          expect(y[row * CONFIG.dim + head * headDim + i]!).toBeCloseTo(q[i]! * Math.cos(angle) + rotated * Math.sin(angle), 12);
        }
      }
    }
  });
});
