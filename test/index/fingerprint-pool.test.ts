import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { discoverModels } from "../../src/io/discover-models.ts";
import { fingerprintAll } from "../../src/index/fingerprint-pool.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-fingerprint-pool-");
beforeAll(async () => {
  await writeSyntheticTrees(dir, [{ root: "a", children: 3, grandchildren: 1 }]);
});

describe("fingerprintAll", () => {
  test("two worker threads give the in-process fingerprints, in model order", async () => {
    const models = await discoverModels([dir]);
    const seen: number[] = [];
    // Each batch's fingerprints are handed over as it finishes, before its count (build-index.ts saves them as it goes).
    const handed: string[] = [];
    const threads = await fingerprintAll(
      models,
      2,
      (done) => {
        seen.push(done);
        expect(handed).toHaveLength(done);
      },
      (batch) => handed.push(...batch.map((f) => f.path)),
    );
    const inProcess = await fingerprintAll(models, 0);
    expect(threads).toEqual(inProcess);
    expect(handed.sort()).toEqual(threads.map((f) => f.path).sort());
    // Counts rise to every model (threads report a batch at a time).
    expect(seen.at(-1)).toBe(models.length);
    expect(seen.every((count, i) => i === 0 || count > seen[i - 1]!)).toBe(true);
  });

  test("a model whose file went away rejects with the MotherError naming it", async () => {
    const [model] = await discoverModels([join(dir, "a")]);
    const gone = join(dir, "gone.safetensors");
    const error = await fingerprintAll([{ ...model!, tensors: model!.tensors.map((t) => ({ ...t, file: gone })) }], 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).message).toContain(gone);
  });
});
