import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { discoverModels } from "../../src/io/discover-models.ts";
import { fingerprintAll } from "../../src/index/fingerprint-pool.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mother-fingerprint-pool-"));
  await writeSyntheticTrees(dir, [{ root: "a", children: 3, grandchildren: 1 }]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("fingerprintAll", () => {
  test("two worker threads give the in-process fingerprints, in model order", async () => {
    const models = await discoverModels([dir]);
    const seen: number[] = [];
    const threads = await fingerprintAll(models, 2, (done) => seen.push(done));
    const inProcess = await fingerprintAll(models, 0);
    expect(threads).toEqual(inProcess);
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
