import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { discoverModels } from "../../src/io/discover-models.ts";
import fc from "fast-check";
import { BYTES_PER_MESSAGE, fingerprintAll, fingerprintBatches, MODELS_PER_MESSAGE, messageBatches } from "../../src/index/fingerprint-pool.ts";
import type { Fingerprint } from "../../src/index/fingerprint.ts";
import type { ModelSource } from "../../src/types.ts";
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

describe("messageBatches", () => {
  /** A model of `bytes` weights (one tensor). */
  const model = (bytes: number, at: number) => ({ id: `m${at}`, path: `m${at}`, tensors: [{ byteLength: bytes }] }) as unknown as ModelSource;
  const bytesOf = (batch: readonly ModelSource[]) => batch.reduce((sum, m) => sum + m.tensors[0]!.byteLength, 0);

  test("in order, at most MODELS_PER_MESSAGE models and BYTES_PER_MESSAGE bytes a message (or one model), each as full as it can be (random sizes)", () => {
    const size = fc.oneof(fc.integer({ min: 0, max: 4 * 1024 * 1024 }), fc.integer({ min: 0, max: 3 * BYTES_PER_MESSAGE }));
    fc.assert(
      fc.property(fc.array(size, { maxLength: 120 }), (sizes) => {
        const models = sizes.map(model);
        const batches = messageBatches(models);
        expect(batches.flat()).toEqual(models);
        batches.forEach((batch, b) => {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(MODELS_PER_MESSAGE);
          if (batch.length > 1) expect(bytesOf(batch)).toBeLessThanOrEqual(BYTES_PER_MESSAGE);
          // Greedy: the next message's first model did not fit in this one.
          const next = batches[b + 1]?.[0];
          if (next) expect(batch.length === MODELS_PER_MESSAGE || bytesOf(batch) + bytesOf([next]) > BYTES_PER_MESSAGE).toBe(true);
        });
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  test("fingerprintBatches puts each message's answers at its own models' places, whatever order the messages end in", async () => {
    // Messages of 1, 1, 32, 3 models (review15: each message's offset must be its own, not the loop's last).
    const models = [5e9, 5e9, ...Array.from({ length: 35 }, () => 1000)].map(model);
    const messages: ModelSource[][] = [];
    const answers: (() => void)[] = [];
    const result = fingerprintBatches(models, (batch) => {
      messages.push([...batch]);
      return new Promise<Fingerprint[]>((resolve) => answers.push(() => resolve(batch.map((m) => ({ path: m.path }) as Fingerprint))));
    });
    expect(messages.map((batch) => batch.length)).toEqual([1, 1, 32, 3]);
    for (const answer of answers.reverse()) answer(); // the last message answers first
    expect((await result).map((f) => f.path)).toEqual(models.map((m) => m.path));
  });

  test("small models go 32 to a message as before; multi-GB ones one each (hand-counted)", () => {
    expect(messageBatches(Array.from({ length: 70 }, (_, i) => model(333_000, i))).map((batch) => batch.length)).toEqual([32, 32, 6]);
    expect(messageBatches([5e9, 5e9, 1e6, 1e6].map(model)).map((batch) => batch.length)).toEqual([1, 1, 2]);
  });
});
