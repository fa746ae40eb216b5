import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { distanceVariants, spanningTreeMatches } from "../../../src/harness/families/distance-variants.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import type { TruthGraph } from "../../../src/types.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

const truth: TruthGraph = {
  models: ["a", "b", "c"].map((id) => ({ id, stage: "specialization", tree: "a" })),
  edges: [
    { parent: "a", child: "b" },
    { parent: "a", child: "c" },
  ],
};

describe("spanningTreeMatches", () => {
  test("counts true edges of the minimum spanning tree in either direction", () => {
    // a–b 1, a–c 2, b–c 3: the tree is {a–b, a–c}.
    expect(spanningTreeMatches(Float64Array.from([0, 1, 2, 1, 0, 3, 2, 3, 0]), ["a", "b", "c"], truth)).toBe(2);
    // b–c cheapest, then a–b: one true edge.
    expect(spanningTreeMatches(Float64Array.from([0, 1, 2, 1, 0, 0.5, 2, 0.5, 0]), ["a", "b", "c"], truth)).toBe(1);
  });
});

describe("distanceVariants", () => {
  const folder = temporaryFolder("distance-variants-");

  test("scaled variants read a uniformly shrunk copy (weight decay alone) as the model itself", async () => {
    const n = 64;
    const base = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i * 1.7) * 0.1);
    // b: a decayed copy of a (weight decay alone); c: a with a few weights moved, no shrink.
    const shrunk = base.map((x) => x * 0.8);
    const moved = base.map((x, i) => (i % 97 === 0 ? x + 0.05 : x));
    for (const [id, weights] of [
      ["a", base],
      ["b", shrunk],
      ["c", moved],
    ] as const) {
      await mkdir(join(folder, id));
      await writeSafetensors(join(folder, id, "model.safetensors"), [
        { name: "model.layers.0.self_attn.q_proj.weight", dtype: "F32", shape: [n, n], data: weights },
      ]);
    }
    const placements = await distanceVariants(await discoverModels([folder]), truth);
    const placed = (variant: string) => placements.find((p) => p.layers === "attention" && p.variant === variant)?.placed;
    // Scaled: b coincides with a (distance 0), so both true edges are in the tree.
    expect(placed("scaled-mean")).toBe(2);
    expect(placed("cosine")).toBe(2);
    expect(placements.every((p) => p.trueEdges === 2)).toBe(true);
    expect(placements.some((p) => p.layers === "mlp")).toBe(false);
  });
});
