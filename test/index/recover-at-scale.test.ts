import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { MotherError } from "../../src/errors.ts";
import { HELP_WITH_TREES_FROM, recoverAtScale } from "../../src/index/recover-at-scale.ts";
import { discoverModels } from "../../src/io/discover-models.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { recover } from "../../src/recover/recover.ts";
import type { ModelGraph } from "../../src/types.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-recover-at-scale-");
let truth: Awaited<ReturnType<typeof writeSyntheticTrees>>;

beforeAll(async () => {
  truth = await writeSyntheticTrees(
    dir,
    ["a", "b", "c"].map((root) => ({ root, children: 3, grandchildren: 1 })),
  );
});

const edgesOf = (graph: ModelGraph) => graph.edges.map((e) => `${e.parent}>${e.child}`).sort();

describe("recoverAtScale", () => {
  // Trees recovered by the tree thread alone (below HELP_WITH_TREES_FROM models), or with this thread's help.
  test.each([
    ["the tree thread alone", HELP_WITH_TREES_FROM],
    ["this thread helping", 0],
  ] as const)("from its threshold on, the trees come from fingerprints (said once) and the graph equals the ordinary recovery (%s)", async (_, helpFrom) => {
    const lines: string[] = [];
    let fingerprinted = 0;
    const effects = { progress: () => {}, log: (line: string) => lines.push(line), fingerprinted: (done: number) => void (fingerprinted = done) };
    const viaFingerprints = (await recoverAtScale([dir], {}, effects, 10, helpFrom))!;
    expect(lines.filter((line) => line.includes("found from fingerprints first"))).toHaveLength(1);
    expect(lines.some((line) => line.includes("unchanged since the last recovery"))).toBe(false); // no index, no cache to be unchanged in
    expect(fingerprinted).toBe(21);
    const direct = await recover([dir]);
    expect(edgesOf(viaFingerprints.graph)).toEqual(edgesOf(direct.graph));
    expect(evaluateGraph(viaFingerprints.graph, truth).edges.accuracy).toBe(1);
    // Per-layer statistics come from the fingerprints: one row per model and selected layer, as the ordinary path gives.
    expect(viaFingerprints.layerStats.length).toBe(direct.layerStats.length);
  });

  test.each([
    ["the tree thread alone", HELP_WITH_TREES_FROM],
    ["this thread helping", 0],
  ] as const)(
    "a header that fails while earlier models are being fingerprinted gives its one clear error, nothing left unhandled (%s)",
    async (_, helpFrom) => {
      // 42 models: the first 32 are a batch fingerprinted before the last headers are read.
      const big = await mkdtemp(join(tmpdir(), "mother-recover-at-scale-bad-"));
      try {
        await writeSyntheticTrees(
          big,
          ["a", "b", "c", "d", "e", "f"].map((root) => ({ root, children: 3, grandchildren: 1 })),
        );
        const bad = join(big, "f-c2-g0", "model.safetensors");
        await writeFile(bad, new Uint8Array([1, 2, 3]));
        const error = await recoverAtScale([big], {}, { progress: () => {}, log: () => {} }, 10, helpFrom).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MotherError);
        expect((error as MotherError).file).toBe(bad);
      } finally {
        await rm(big, { recursive: true, force: true });
      }
    },
  );

  test("a batch that fails stops the fingerprinting here: the later batches are not read after the recovery has failed", async () => {
    // 42 safetensors models, fingerprinted by this thread 32 then 10; the first model (sorted) is bad, so the first batch fails.
    const big = await mkdtemp(join(tmpdir(), "mother-recover-at-scale-stop-"));
    try {
      await writeSyntheticTrees(
        big,
        ["a", "b", "c", "d", "e", "f"].map((root) => ({ root, children: 3, grandchildren: 1 })),
      );
      const bad = join(big, "a", "model.safetensors");
      await writeFile(bad, new Uint8Array([1, 2, 3]));
      const fingerprinted: number[] = [];
      const effects = { progress: () => {}, log: () => {}, fingerprinted: (done: number) => fingerprinted.push(done) };
      const error = await recoverAtScale([big], {}, effects, 10, HELP_WITH_TREES_FROM).catch((e: unknown) => e);
      expect((error as MotherError).file).toBe(bad);
      // Time for a second batch to be read, had it been.
      await new Promise((done) => setTimeout(done, 300));
      expect(fingerprinted).toEqual([]);
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  });

  test("a set of safetensors models is opened by the threads: its notes are the ordinary discovery's, empty tensors said once", async () => {
    const noted = await mkdtemp(join(tmpdir(), "mother-recover-at-scale-notes-"));
    try {
      await writeSyntheticTrees(
        noted,
        ["a", "b", "c"].map((root) => ({ root, children: 3, grandchildren: 1 })),
      );
      // A second file in three model folders holding only an empty tensor (a dimension of 0): left out, with one note for
      // all, though the threads open them in different batches (16 models, then 5).
      const empty = { name: "e.weight", dtype: "F32" as const, shape: [0, 8], data: new Float32Array(0) };
      for (const id of ["a-c0", "b", "c-c2-g0"]) await writeSafetensors(join(noted, id, "extra.safetensors"), [empty]);
      const ordinary: string[] = [];
      await discoverModels([noted], (note) => ordinary.push(note));
      expect(ordinary).toHaveLength(1);
      const lines: string[] = [];
      const result = (await recoverAtScale([noted], {}, { progress: () => {}, log: (line) => lines.push(line) }, 10))!;
      expect(lines.filter((line) => line.includes("e.weight"))).toEqual(ordinary);
      expect(edgesOf(result.graph)).toEqual(edgesOf((await recover([noted])).graph));
    } finally {
      await rm(noted, { recursive: true, force: true });
    }
  });

  test("below its threshold, or with --trees N or --stats, it leaves the set to the ordinary recovery", async () => {
    for (const [overrides, from] of [
      [{}, 22],
      [{ trees: 3 }, 10],
      [{ fullStatistics: true }, 10],
    ] as const) {
      const lines: string[] = [];
      expect(await recoverAtScale([dir], overrides, { progress: () => {}, log: (line) => lines.push(line) }, from)).toBeUndefined();
      expect(lines).toEqual([]);
    }
  });

  test("a folder of many entries but few models starts the threads early, closes them, and leaves the set to the ordinary recovery", async () => {
    const few = await mkdtemp(join(tmpdir(), "mother-recover-at-scale-few-"));
    try {
      await writeSyntheticTrees(
        few,
        ["a", "b"].map((root) => ({ root, children: 1, grandchildren: 0 })),
      );
      for (let i = 0; i < 10; i++) await writeFile(join(few, `notes-${i}.txt`), "not a model");
      const lines: string[] = [];
      // 14 entries promise 12 models or more; the listing finds 4.
      expect(await recoverAtScale([few], {}, { progress: () => {}, log: (line) => lines.push(line) }, 12)).toBeUndefined();
      expect(lines).toEqual([]);
    } finally {
      await rm(few, { recursive: true, force: true });
    }
  });
});
