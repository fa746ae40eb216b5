import { describe, expect, test } from "bun:test";
import { Rng } from "../../src/rng.ts";
import { linear, reshape, compileGraph, Graph } from "../../src/onnx/index.ts";
import type { VitConfig } from "../../src/models/vit-config.ts";
import { patchify } from "../../src/models/vit.ts";

const CONFIG: VitConfig = { dim: 5, depth: 1, heads: 1, mlpDim: 4, patch: 3, imageSize: 6, numClasses: 2, layerNormEps: 1e-12, initializerRange: 0.02 };

describe("patch embedding", () => {
  test("patchify + one Gemm with the conv weight [dim, 3, p, p] equals a stride-p convolution", async () => {
    const batch = 2;
    const { dim, patch, imageSize } = CONFIG;
    const grid = imageSize / patch;
    const rng = new Rng(9);
    const pixels = Float64Array.from({ length: batch * 3 * imageSize * imageSize }, () => rng.normal());
    const weight = Float64Array.from({ length: dim * 3 * patch * patch }, () => rng.normal());
    const bias = Float64Array.from({ length: dim }, () => rng.normal());
    const graph = new Graph();
    const x = graph.input("pixels", "float64", [batch, 3, imageSize, imageSize]);
    const w = graph.input("weight", "float64", [dim, 3, patch, patch]);
    const b = graph.input("bias", "float64", [dim]);
    graph.output(linear(patchify(x, CONFIG), reshape(w, [dim, 3 * patch * patch]), b), "embedded");
    const embedded = (await (await compileGraph(graph)).run({ pixels, weight, bias })).embedded as Float64Array;
    // Oracle: torch Conv2d(3, dim, kernel=p, stride=p) then flatten(2).transpose(1, 2): row = n·P + (py·grid + px).
    for (let n = 0; n < batch; n++) {
      for (let py = 0; py < grid; py++) {
        for (let px = 0; px < grid; px++) {
          for (let o = 0; o < dim; o++) {
            let sum = bias[o]!;
            for (let c = 0; c < 3; c++) {
              for (let ky = 0; ky < patch; ky++) {
                for (let kx = 0; kx < patch; kx++) {
                  sum += weight[((o * 3 + c) * patch + ky) * patch + kx]! * pixels[((n * 3 + c) * imageSize + py * patch + ky) * imageSize + px * patch + kx]!;
                }
              }
            }
            expect(embedded[(n * grid * grid + py * grid + px) * dim + o]!).toBeCloseTo(sum, 10);
          }
        }
      }
    }
  });
});
