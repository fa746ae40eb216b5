import { describe, expect, test } from "bun:test";
import { BugError, MotherError } from "../../src/errors.ts";
import { errorOf, failureOf, WorkerPool } from "../../src/workers/worker-pool.ts";

describe("worker pool", () => {
  test("a MotherError crosses the thread boundary with its file, problem, detail and code", () => {
    const original = new MotherError("a.safetensors", "header cut short", { value: 3 }, "environment");
    const again = errorOf(failureOf(original, "elsewhere"), "reading");
    expect(again).toBeInstanceOf(MotherError);
    expect(again.message).toBe(original.message);
    expect((again as MotherError).code).toBe("environment");
  });

  test("any other error comes back as a bug naming what the worker was doing and where", () => {
    const again = errorOf(failureOf(new RangeError("index 9"), "layer.0.weight"), "analysing");
    expect(again).toBeInstanceOf(BugError);
    expect(again.message).toStartWith("bug: analysing layer.0.weight: RangeError: index 9");
  });

  test("in-process, tasks run one after another in the order submitted, and a failure rejects only its task", async () => {
    const log: string[] = [];
    const pool = new WorkerPool<number, number>({
      entry: "unused",
      workers: 0,
      inProcess: async (n) => {
        log.push(`start ${n}`);
        await Bun.sleep(n === 1 ? 5 : 0);
        if (n === 2) throw new MotherError("two", "fails");
        log.push(`end ${n}`);
        return n * 10;
      },
      message: (n) => n,
      name: "test",
      doing: "testing",
    });
    const results = await Promise.allSettled([pool.submit(1), pool.submit(2), pool.submit(3)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(log).toEqual(["start 1", "end 1", "start 2", "start 3", "end 3"]);
    pool.close();
  });
});
