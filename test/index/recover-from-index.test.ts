import { beforeAll, describe, expect, test } from "bun:test";
import { cp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { indexModels } from "../../src/index/build-index.ts";
import { loadIndex, SEGMENTS, writeSegment } from "../../src/index/index-store.ts";
import { TREES as TREE_CACHE } from "../../src/index/tree-cache.ts";
import { recoverFromFingerprints, recoverFromIndex } from "../../src/index/recover-from-index.ts";
import { fingerprintModel } from "../../src/index/fingerprint.ts";
import { discoverModels } from "../../src/io/discover-models.ts";
import { writePeftAdapter } from "../../src/io/peft/write-peft-adapter.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { recover } from "../../src/recover/recover.ts";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import type { ModelGraph } from "../../src/types.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-recover-index-");
let models: string;
let truth: Awaited<ReturnType<typeof writeSyntheticTrees>>;
const TREES = ["a", "b", "c"].map((root) => ({ root, children: 3, grandchildren: 1 }));

beforeAll(async () => {
  models = join(dir, "models");
  truth = await writeSyntheticTrees(models, TREES);
});

/** A graph in a canonical order (trees and edges sorted), for comparing runs. */
function canonical(graph: ModelGraph) {
  return {
    models: [...graph.models].sort((x, y) => x.id.localeCompare(y.id)),
    edges: [...graph.edges].sort((x, y) => x.child.localeCompare(y.child)),
    trees: graph.trees.map((t) => [...t].sort()).sort((x, y) => x[0]!.localeCompare(y[0]!)),
  };
}

async function expectRefused(run: Promise<unknown>, text: string): Promise<void> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MotherError);
  expect((error as MotherError).message).toContain(text);
}

describe("recoverFromIndex", () => {
  test("recovers the same trees and edges as recovering the paths", async () => {
    const index = join(dir, "same");
    await indexModels([models], index);
    const fromIndex = await recoverFromIndex(index);
    const direct = await recover([models]);
    expect(evaluateGraph(fromIndex.graph, truth).edges.accuracy).toBe(1);
    expect(canonical(fromIndex.graph).edges.map((e) => [e.parent, e.child])).toEqual(canonical(direct.graph).edges.map((e) => [e.parent, e.child]));
    expect(canonical(fromIndex.graph).trees).toEqual(canonical(direct.graph).trees);
  });

  test("after adding one model, only its tree is recovered again, and the graph equals a cold recovery", async () => {
    const set = join(dir, "growing");
    const index = join(dir, "growing-index");
    await cp(models, set, { recursive: true });
    const lateModel = join(set, "b-c2-g0");
    await cp(lateModel, join(dir, "late"), { recursive: true });
    await rm(lateModel, { recursive: true });
    await indexModels([set], index);
    await recoverFromIndex(index);
    await cp(join(dir, "late"), lateModel, { recursive: true });
    expect(await indexModels([set], index)).toMatchObject({ added: 1, kept: 20, models: 21 });
    const lines: string[] = [];
    const warm = await recoverFromIndex(index, {}, { progress: () => {}, log: (line) => lines.push(line) });
    expect(lines.at(-1)).toBe("3 trees: 1 recovered from their weights, 2 unchanged since the last recovery");
    const coldIndex = join(dir, "cold-index");
    await indexModels([set], coldIndex);
    const cold = await recoverFromIndex(coldIndex);
    expect(canonical(warm.graph)).toEqual(canonical(cold.graph));
    expect(evaluateGraph(warm.graph, truth).edges.accuracy).toBe(1);
  });

  test("a truncated segment is refused with one line naming it, never recovered around", async () => {
    const index = join(dir, "truncated");
    await indexModels([models], index);
    const [segment] = await readdir(join(index, SEGMENTS));
    const file = join(index, SEGMENTS, segment!);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length >> 1));
    await expectRefused(recoverFromIndex(index), `${file}: unreadable index segment`);
  });

  test("an entry of another fingerprint version is refused", async () => {
    const index = join(dir, "version");
    await indexModels([models], index);
    const entry = [...(await loadIndex(index)).entries.values()][0]!;
    await writeSegment(index, [{ ...entry, version: 99 }]);
    await expectRefused(recoverFromIndex(index), "another fingerprint version");
  });

  test("a file changed behind its entry is refused, and indexing again repairs it", async () => {
    const set = join(dir, "changing");
    const index = join(dir, "changing-index");
    await cp(models, set, { recursive: true });
    await indexModels([set], index);
    const later = new Date(Date.now() + 10_000);
    await utimes(join(set, "a-c0", "model.safetensors"), later, later);
    await expectRefused(recoverFromIndex(index), "changed since it was indexed");
    await rm(join(set, "c"), { recursive: true });
    await indexModels([set], index);
    const repaired = await recoverFromIndex(index);
    expect(repaired.graph.models).toHaveLength(20);
  });

  test("cut or altered tree-cache entries are recovered again, never taken: the graph equals a cold recovery", async () => {
    const index = join(dir, "tree-cache");
    await indexModels([models], index);
    const cold = await recoverFromIndex(index);
    const entries = await readdir(join(index, TREE_CACHE));
    expect(entries).toHaveLength(3);
    const [cut, altered] = entries.map((name) => join(index, TREE_CACHE, name));
    const bytes = await readFile(cut!);
    await writeFile(cut!, bytes.subarray(0, bytes.length >> 1));
    await writeFile(altered!, "[]");
    const lines: string[] = [];
    const again = await recoverFromIndex(index, {}, { progress: () => {}, log: (line) => lines.push(line) });
    expect(lines.at(-1)).toBe("3 trees: 2 recovered from their weights, 1 unchanged since the last recovery");
    expect(canonical(again.graph)).toEqual(canonical(cold.graph));
  });

  test("--trees N is refused (the index finds the trees itself)", async () => {
    const index = join(dir, "same");
    await expectRefused(recoverFromIndex(index, { trees: 3 }), "finds the trees itself");
  });
});

describe("recoverFromFingerprints with adapters", () => {
  test("an attached adapter failing to read while the trees are still recovering: that one error, no unhandled rejection", async () => {
    const set = join(dir, "with-adapter");
    await cp(join(models, "a"), join(set, "a"), { recursive: true });
    await cp(join(models, "a-c0"), join(set, "a-c0"), { recursive: true });
    const matrix = (seed: number) => Float32Array.from({ length: 64 }, (_, i) => 0.01 * Math.sin(seed + i));
    const module = { module: "vit.encoder.layer.0.attention.attention.query", a: matrix(1), b: matrix(2), fanIn: 32, fanOut: 32 };
    await writePeftAdapter(join(set, "lora"), { baseModel: "a", rank: 2, alpha: 4, modules: [module] });
    const discovered = await discoverModels([set]);
    const fingerprints = (await Promise.all(discovered.map((m) => fingerprintModel(m)))).sort((x, y) => (x.path < y.path ? -1 : 1));
    // The adapter's base + Δ fails at once (its file cut short meanwhile); the tree takes longer.
    const failure = new MotherError(join(set, "lora", "adapter_model.safetensors"), "cut short");
    // Tree threads whose adapter fingerprinting fails at once while the tree takes 0.1 s.
    const threads = {
      fingerprint: () => Promise.reject(failure),
      recover: () => new Promise((resolve) => setTimeout(() => resolve({ graph: { models: [], edges: [], trees: [], notes: [] }, distances: [] }), 100)),
      withdraw: () => 0,
      setDepth: () => {},
      finishing: () => {},
      close: () => {},
    };
    const effects = { progress: () => {}, log: () => {} };
    const byPath = new Map(discovered.map((m) => [m.path, m]));
    const run = recoverFromFingerprints(fingerprints, undefined, DEFAULT_RECOVER_OPTIONS, effects, byPath, threads as never);
    expect(
      await run.then(
        () => undefined,
        (error: unknown) => error,
      ),
    ).toBe(failure);
  });
});
