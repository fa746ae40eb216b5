/**
 * GGUF copies and PEFT adapter folders on the at-scale paths (issue #15 with #12's inputs): a
 * generated set of 302 models — safetensors fine-tunes, GGUF Q8_0/Q5_0 copies, adapters on
 * members and on adapters, one adapter whose base is absent and one naming none — takes the
 * at-scale path of `mother recover` by itself, and it, `mother index` + `recover --index` and
 * the ordinary all-pairs recovery give the same Model Graph, right against the truth.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { indexModels } from "../../src/index/build-index.ts";
import { FINGERPRINT_FIRST_MODELS, recoverAtScale } from "../../src/index/recover-at-scale.ts";
import { recoverFromIndex } from "../../src/index/recover-from-index.ts";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { recover } from "../../src/recover/recover.ts";
import type { ModelGraph, TruthGraph } from "../../src/types.ts";
import { writeMixedScaleSet } from "../fixtures/mixed-scale-set.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-mixed-scale-");
let truth: TruthGraph;

beforeAll(async () => {
  truth = await writeMixedScaleSet(join(dir, "set"), 15);
}, 120_000);

/** The graph with its lists in a fixed order: the paths differ in how members are listed, not in what they find. */
function canonical(graph: ModelGraph): unknown {
  const byText = <T>(items: readonly T[]) => [...items].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return {
    models: byText(graph.models),
    edges: byText(graph.edges),
    trees: byText(graph.trees.map((tree) => [...tree].sort())),
    notes: [...graph.notes].sort(),
    directions: byText(graph.directions ?? []),
  };
}

describe("GGUF files and adapter folders at scale", () => {
  test("302 mixed models take the at-scale path by themselves; it and the index give the ordinary recovery's graph, right", async () => {
    const set = join(dir, "set");
    const ordinary = await recover([set]);
    const lines: string[] = [];
    const atScale = await recoverAtScale([set], {}, { progress: () => {}, log: (line) => lines.push(line) });
    expect(truth.models.length).toBeGreaterThanOrEqual(FINGERPRINT_FIRST_MODELS);
    expect(atScale).toBeDefined();
    expect(lines.filter((line) => line.includes("found from fingerprints first"))).toHaveLength(1);
    expect(canonical(atScale!.graph)).toEqual(canonical(ordinary.graph));
    // With this thread recovering queued trees too (as from HELP_WITH_TREES_FROM models), the same graph.
    const helped = await recoverAtScale([set], {}, { progress: () => {}, log: () => {} }, FINGERPRINT_FIRST_MODELS, 0);
    expect(canonical(helped!.graph)).toEqual(canonical(ordinary.graph));

    const index = join(dir, "idx");
    const summary = await indexModels([set], index);
    expect(summary.added).toBe(truth.models.length);
    const fromIndex = await recoverFromIndex(index);
    expect(canonical(fromIndex.graph)).toEqual(canonical(ordinary.graph));
    // Every attached adapter's statistics too (base + Δ, read at recovery), as the ordinary path gives them.
    expect(fromIndex.layerStats.length).toBe(ordinary.layerStats.length);

    const scores = evaluateGraph(atScale!.graph, truth);
    expect(scores.clustering).toBe(1);
    expect(scores.typed!.f1).toBeGreaterThanOrEqual(0.95);
    // The two adapters whose base cannot be known are trees of their own, with a note each; never attached.
    for (const id of ["lora-of-absent", "lora-unnamed"]) {
      expect(atScale!.graph.edges.some((edge) => edge.child === id)).toBe(false);
      expect(atScale!.graph.notes.some((note) => note.startsWith(`adapter ${id}:`))).toBe(true);
    }
  }, 180_000);

  test("GGUF copies in an index without adapters: each tree opens its GGUF members under their folders' ids, one tree at a time", async () => {
    const set = join(dir, "gguf-only");
    const small = await writeMixedScaleSet(set, 3, false);
    const index = join(dir, "gguf-only-idx");
    await indexModels([set], index);
    const [ordinary, fromIndex] = [await recover([set]), await recoverFromIndex(index)];
    expect(canonical(fromIndex.graph)).toEqual(canonical(ordinary.graph));
    expect(fromIndex.graph.models.filter((model) => model.format === "gguf").map((model) => model.id)).toEqual(
      small.models.filter((model) => /-m1[67]$/.test(model.id)).map((model) => model.id),
    );
    expect(evaluateGraph(fromIndex.graph, small).typed!.f1).toBe(1);
  }, 120_000);
});
