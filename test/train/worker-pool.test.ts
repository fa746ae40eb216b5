import { afterAll, describe, expect, test } from "bun:test";
import { runTrainJob, type TrainJobOutput, type TrainJobProgress } from "../../src/harness/train-job.ts";
import { WorkerPool } from "../../src/train/worker-pool.ts";
import { TINY_RUN } from "./tiny-run.ts";

const JOB_MODULE = new URL("../../src/harness/train-job.ts", import.meta.url).pathname;
const pool = new WorkerPool({ size: 2 });
afterAll(() => pool.close());

const paramBytes = (output: TrainJobOutput): Buffer =>
  Buffer.concat(output.params!.map((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength)));

describe("WorkerPool", () => {
  test("two parallel train jobs return the same bytes as in-process runs, with progress", async () => {
    const configs = [
      { ...TINY_RUN, steps: 20 },
      { ...TINY_RUN, steps: 20, seed: 5 },
    ];
    const progress: TrainJobProgress[][] = [[], []];
    const pooled = await Promise.all(
      configs.map((config, index) =>
        pool.run<unknown, TrainJobOutput>({ module: JOB_MODULE, exportName: "runTrainJob", input: { config, returnParams: true } }, (payload) =>
          progress[index]!.push(payload as TrainJobProgress),
        ),
      ),
    );
    for (let index = 0; index < configs.length; index++) {
      const local = await runTrainJob({ config: configs[index]!, returnParams: true });
      expect(paramBytes(pooled[index]!).equals(paramBytes(local))).toBe(true);
      expect(Array.from(pooled[index]!.losses)).toEqual(Array.from(local.losses));
      expect(progress[index]!.map((p) => p.step)).toEqual([10, 20]);
    }
    expect(paramBytes(pooled[0]!).equals(paramBytes(pooled[1]!))).toBe(false);
  });

  test("a failing job rejects with the worker's error and the pool keeps working", async () => {
    const bad = { ...TINY_RUN, data: { ...TINY_RUN.data, task: "no-such-task" } };
    await expect(pool.run({ module: JOB_MODULE, exportName: "runTrainJob", input: { config: bad } })).rejects.toThrow(/no-such-task/);
    await expect(pool.run({ module: JOB_MODULE, exportName: "missingExport", input: {} })).rejects.toThrow(/no exported function missingExport/);
    const ok = await pool.run<unknown, TrainJobOutput>({ module: JOB_MODULE, exportName: "runTrainJob", input: { config: { ...TINY_RUN, steps: 2 } } });
    expect(ok.losses).toHaveLength(2);
  });

  test("records per-layer statistics at each snapshot", async () => {
    const output = await runTrainJob({
      config: { ...TINY_RUN, steps: 10, snapshotEvery: 5 },
      statsOf: ["vit.encoder.layer.0.attention.attention.query.weight"],
    });
    expect(output.snapshots.map((s) => s.step)).toEqual([0, 5, 10]);
    const kurtosis = output.snapshots.map((s) => s.stats["vit.encoder.layer.0.attention.attention.query.weight"]!.kurtosis);
    expect(kurtosis[0]).toBeGreaterThan(2); // ≈ 3 for the Gaussian init
    expect(kurtosis[2]).not.toBe(kurtosis[0]);
  });
});
