import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { CLUSTER_FIRST_MODELS, recover } from "../../src/recover/recover.ts";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { makeGaussian, makeUniform } from "../../src/recover/seeded-random.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-recover-");

const TWO_TREES = [
  { root: "alpha", children: 3, grandchildren: 2 },
  { root: "beta", children: 2, grandchildren: 2 },
];

/**
 * A tree whose fine-tunes add heavy-tailed (Laplace) or light-tailed (uniform) noise in turn:
 * kurtosis rises on some edges and falls on others, variance grows on every one.
 */
async function writeMixedTailTree(folder: string): Promise<{ parent: string; child: string }[]> {
  const names = ["query", "key", "value", "dense"].map((p) => `vit.encoder.layer.0.attention.${p === "dense" ? "output.dense" : `attention.${p}`}.weight`);
  const size = 48 * 48;
  const edges = [
    ["r", "a"],
    ["r", "b"],
    ["r", "c"],
    ["a", "a1"],
    ["b", "b1"],
    ["c", "c1"],
  ] as const;
  const weights = new Map<string, Float32Array[]>([["r", names.map((_, l) => Float32Array.from(makeGaussian(size, 10 + l), (x) => 0.02 * x))]]);
  edges.forEach(([parent, child], e) => {
    weights.set(
      child,
      weights.get(parent)!.map((w, l) => {
        const u = makeUniform(2 * size, 100 * e + l);
        // Laplace (−ln U · random sign) or uniform noise of the same spread, alternately.
        const noise = (i: number) =>
          e % 2 === 0 ? (Math.log(u[2 * i]! + 1e-12) * (u[2 * i + 1]! < 0.5 ? -1 : 1)) / Math.SQRT2 : (u[2 * i]! - 0.5) * Math.sqrt(12);
        return Float32Array.from(w, (x, i) => x + 0.012 * noise(i));
      }),
    );
  });
  for (const [id, layers] of weights) {
    await mkdir(join(folder, id), { recursive: true });
    await writeSafetensors(
      join(folder, id, "model.safetensors"),
      names.map((name, l) => ({ name, dtype: "F32" as const, shape: [48, 48], data: layers[l]! })),
    );
  }
  return edges.map(([parent, child]) => ({ parent, child }));
}

describe("recover on synthetic fine-tuning trees", () => {
  test("an ℓ_FT tree that kurtosis orders badly and variance growth orders well takes its direction from variance", async () => {
    const folder = join(dir, "mixed-tails");
    const truth = await writeMixedTailTree(folder);
    const lines: string[] = [];
    const result = await recover([folder], { trees: 1 }, { progress: () => {}, log: (line) => void lines.push(line) });
    expect(lines.some((line) => line.includes("its direction comes from variance"))).toBe(true);
    expect(result.graph.edges.map((e) => `${e.parent}>${e.child}`).sort()).toEqual(truth.map((e) => `${e.parent}>${e.child}`).sort());
    // With kurtosis forced, the same tree is ordered worse.
    const kurtosis = await recover([folder], { trees: 1, score: "kurtosis" });
    const right = (graph: typeof kurtosis.graph) => graph.edges.filter((e) => truth.some((t) => t.parent === e.parent && t.child === e.child)).length;
    expect(right(kurtosis.graph)).toBeLessThan(truth.length);
  });

  test("recovers every directed edge and both trees of a full fine-tuning forest", async () => {
    const folder = join(dir, "ft");
    const truth = await writeSyntheticTrees(folder, TWO_TREES, { mode: "ft", seed: 3 });
    const result = await recover([folder], { trees: "auto" });
    const scores = evaluateGraph(result.graph, truth);
    expect(result.graph.trees.length).toBe(2);
    expect(scores.clustering).toBe(1);
    expect(scores.edges.accuracy).toBe(1);
    expect(result.distances.every((d) => d === "ft")).toBe(true);
  });

  test("a large set is clustered on a sample first and compares pairs only inside trees; each tree comes out as it does alone", async () => {
    const folder = join(dir, "cluster-first");
    const truth = await writeSyntheticTrees(folder, TWO_TREES, { mode: "ft", seed: 8 });
    expect(truth.models.length).toBeGreaterThanOrEqual(CLUSTER_FIRST_MODELS);
    for (const trees of ["auto", 2] as const) {
      const lines: string[] = [];
      const pooled = await recover([folder], { trees }, { progress: () => {}, log: (line) => void lines.push(line) });
      expect(lines.some((line) => line.includes("clustered on a sample of each distance layer first"))).toBe(true);
      for (const root of ["alpha", "beta"]) {
        const ids = truth.models.filter((m) => m.tree === root).map((m) => m.id);
        expect(ids.length).toBeLessThan(CLUSTER_FIRST_MODELS);
        const alone = await recover(ids.map((id) => join(folder, id)));
        const inPooled = pooled.graph.edges.filter((e) => ids.includes(e.child));
        expect(inPooled.map((e) => [e.parent, e.child, e.distance])).toEqual(alone.graph.edges.map((e) => [e.parent, e.child, e.distance]));
      }
    }
  });

  test("picks ℓ_LoRA for LoRA trees and recovers them", async () => {
    const folder = join(dir, "lora");
    const truth = await writeSyntheticTrees(folder, TWO_TREES, { mode: "lora", loraRank: 4, seed: 4 });
    const result = await recover([folder], { trees: 2 });
    expect(result.distances.every((d) => d === "lora")).toBe(true);
    const scores = evaluateGraph(result.graph, truth);
    expect(scores.clustering).toBe(1);
    expect(scores.edges.accuracy).toBeGreaterThanOrEqual(0.8);
  });

  test("finds the trees of a LoRA forest whose updates rival the distance between roots", async () => {
    // LoRA moves query and value a lot and leaves key and attention output bit-identical: the
    // clustering distance's median over layers keeps same-tree pairs at 0.
    const folder = join(dir, "lora-large");
    const truth = await writeSyntheticTrees(folder, TWO_TREES, { mode: "lora", loraRank: 4, step: 40, seed: 5 });
    const result = await recover([folder], { trees: "auto" });
    expect(result.graph.trees.length).toBe(2);
    expect(evaluateGraph(result.graph, truth).clustering).toBe(1);
  });

  test("the same models read through the worker pool give the same graph", async () => {
    const folder = join(dir, "ft");
    const inProcess = await recover([folder], { workers: 0 });
    const pooled = await recover([folder], { workers: 2 });
    expect(pooled.graph).toEqual(inProcess.graph);
  });

  test("a forest of lone models (as many trees as models) has no edges and needs no ranks", async () => {
    const folder = join(dir, "lora");
    const result = await recover([folder], { trees: 17 });
    expect(result.graph.trees.length).toBe(17);
    expect(result.graph.edges).toEqual([]);
  });

  test("LoRA trees ranked by the worker pool give the same graph as in-process ranks", async () => {
    const folder = join(dir, "lora");
    const inProcess = await recover([folder], { workers: 0, trees: 2 });
    const pooled = await recover([folder], { workers: 2, trees: 2 });
    expect(pooled.distances).toEqual(["lora", "lora"]);
    expect(pooled.graph).toEqual(inProcess.graph);
  });

  test("every model appears once and roots have no incoming edge", async () => {
    const result = await recover([join(dir, "ft")]);
    const ids = result.graph.models.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    const children = new Set(result.graph.edges.map((e) => e.child));
    expect(children.size).toBe(result.graph.edges.length);
    expect(result.graph.edges.length).toBe(ids.length - result.graph.trees.length);
    expect(result.graph.edges.every((e) => e.confidence !== undefined && e.confidence >= 0 && e.confidence <= 1)).toBe(true);
  });
});
