import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import type { TensorInfo } from "../../src/types.ts";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { LayerPool } from "../../src/recover/layer-pool.ts";
import { rankPairs } from "../../src/recover/pair-ranks.ts";
import type { LayerJob } from "../../src/recover/layer-pass.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

/** Four layers of three models; `poison` puts a NaN into layer 2 of model 1. */
async function jobs(poison = false): Promise<LayerJob[]> {
  const folder = temporaryFolder("mother-layer-pool-");
  const files: TensorInfo[][] = [];
  for (let m = 0; m < 3; m++) {
    const file = join(folder, `m${m}.safetensors`);
    await writeSafetensors(
      file,
      [0, 1, 2, 3].map((l) => {
        const data = Float32Array.from(makeGaussian(64 * 48, 10 * l + m));
        if (poison && m === 1 && l === 2) data[5] = Number.NaN;
        return { name: `layer${l}`, dtype: "F32" as const, shape: [64, 48], data };
      }),
    );
    files.push(await openSafetensorsFile(file));
  }
  return [0, 1, 2, 3].map((l) => ({
    name: `layer${l}`,
    kind: "query" as const,
    shape: [64, 48],
    tensors: files.map((tensors) => tensors[l]!),
    roles: { distance: true, score: true, sketch: l === 0 },
    sketchSize: 160,
    histogramBins: 0,
  }));
}

describe("LayerPool", () => {
  test("two workers give the in-process results, in job order, and report every layer", async () => {
    const work = await jobs();
    const inProcess = new LayerPool(0);
    const pooled = new LayerPool(2);
    try {
      const done: number[] = [];
      const expected = await inProcess.run(work);
      const actual = await pooled.run(work, (count) => done.push(count));
      expect(actual.map((r) => r.name)).toEqual(["layer0", "layer1", "layer2", "layer3"]);
      expect(actual).toEqual(expected);
      expect(done).toEqual([1, 2, 3, 4]);
      const ranks = await pooled.ranks([{ sketches: actual[0]!.sketches, pairs: Int32Array.of(0, 1, 1, 1), epsilon: 1e-4 }]);
      expect([...ranks[0]!]).toEqual([48, 0]);
    } finally {
      inProcess.close();
      pooled.close();
    }
  });

  test("in-process, rank jobs of one layer's sketches run as one task, each job given its own pairs' ranks", async () => {
    const pool = new LayerPool(0);
    try {
      const [sketched] = await pool.run(await jobs());
      const sketches = sketched!.sketches;
      const tasks: unknown[] = [];
      const submit = pool.submit.bind(pool);
      pool.submit = ((task, urgent) => {
        tasks.push(task);
        return submit(task, urgent);
      }) as typeof pool.submit;
      const split = [
        { sketches, pairs: Int32Array.of(0, 1), epsilon: 1e-4, atLeast: 20 },
        { sketches, pairs: Int32Array.of(1, 2, 0, 2, 2, 2), epsilon: 1e-4, atLeast: 20 },
      ];
      const ranks = await pool.ranks(split);
      expect(tasks.length).toBe(1);
      expect(ranks.map((r) => [...r])).toEqual(await Promise.all(split.map(async (job) => [...(await rankPairs(job))])));
      expect(ranks.map((r) => r.length)).toEqual([1, 3]);
      // Jobs that differ in anything but their pairs run as they are.
      await pool.ranks([split[0]!, { ...split[1]!, atLeast: undefined }]);
      expect(tasks.length).toBe(3);
    } finally {
      pool.close();
    }
  });

  test("closing the pool rejects the tasks still queued instead of leaving them pending", async () => {
    const work = await jobs();
    const pool = new LayerPool(1);
    const queued = pool.run([...work, ...work, ...work]);
    pool.close();
    expect(await queued.catch((e: unknown) => e)).toBeInstanceOf(Error);
  });

  test("a failing layer rejects the batch with the MotherError naming its file, and the pool still closes", async () => {
    const work = await jobs(true);
    for (const workers of [0, 2]) {
      const pool = new LayerPool(workers);
      try {
        const error = await pool.run(work).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MotherError);
        expect((error as MotherError).message).toStartWith(`${work[2]!.tensors[1]!.file}: tensor layer2 holds a non-finite weight`);
      } finally {
        pool.close();
      }
    }
  });
});
