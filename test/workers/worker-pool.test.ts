import { describe, expect, test } from "bun:test";
import { BugError, MotherError } from "../../src/errors.ts";
import { errorOf, failureOf, WithdrawnTask, WorkerPool } from "../../src/workers/worker-pool.ts";

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

  // A worker that answers each task, 20 ms after it arrives and in order, with how many tasks it had received by then.
  const COUNTING_WORKER = URL.createObjectURL(
    new Blob(
      [
        `let received = 0; let turn = Promise.resolve();
         onmessage = () => { received++; turn = turn.then(() => new Promise((r) => setTimeout(r, 20))).then(() => postMessage({ result: received })); };`,
      ],
      { type: "application/javascript" },
    ),
  );
  const countingPool = (depth: number) =>
    new WorkerPool<number, number>({ entry: COUNTING_WORKER, workers: 1, depth, inProcess: async () => 0, message: (n) => n, name: "test", doing: "testing" });

  test("withdraw takes back only queued tasks, rejecting them as withdrawn; handed and kept ones still run", async () => {
    const pool = countingPool(1);
    const submitted = [1, 2, 3, 4, 5].map((n) => pool.submit(n));
    // Task 1 is with the worker; 2–5 wait in the queue. Even ones are taken back, 1 too if it could be (it cannot).
    expect(pool.withdraw((n) => n % 2 === 0 || n === 1)).toBe(2);
    const settled = await Promise.allSettled(submitted);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(WithdrawnTask);
    // One task at a time: the worker never held more than the one it was running.
    expect(settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []))).toEqual([1, 2, 3]);
    pool.close();
  });

  // A worker that answers each task (a number of ms to sleep), in order, with its thread id.
  const SLEEPING_WORKER = URL.createObjectURL(
    new Blob(
      [
        `const { threadId } = require("node:worker_threads"); let turn = Promise.resolve();
         onmessage = (event) => { turn = turn.then(() => new Promise((r) => setTimeout(r, event.data))).then(() => postMessage({ result: threadId })); };`,
      ],
      { type: "application/javascript" },
    ),
  );

  test("once finishing, the last task waits for the first worker to free instead of queueing behind a busy one", async () => {
    const threadsOf = async (finishing: boolean) => {
      const pool = new WorkerPool<number, number>({
        entry: SLEEPING_WORKER,
        workers: 2,
        depth: 2,
        inProcess: async () => 0,
        message: (ms) => ms,
        name: "test",
        doing: "testing",
      });
      try {
        if (finishing) pool.finishing();
        return await Promise.all([300, 10, 10].map((ms) => pool.submit(ms)));
      } finally {
        pool.close();
      }
    };
    // Depth 2 hands the third task to the first worker, behind its 300 ms one ...
    const [busy, free, last] = await threadsOf(false);
    expect(busy).not.toBe(free);
    expect(last).toBe(busy);
    // ... finishing keeps it until a worker frees: the one that ran the 10 ms task.
    const [busyAfter, freeAfter, lastAfter] = await threadsOf(true);
    expect(busyAfter).not.toBe(freeAfter);
    expect(lastAfter).toBe(freeAfter);
  });

  test("helpHere: this thread runs queued tasks too while more than `keep` wait, each in full, and the worker is handed `depth`", async () => {
    const here: number[] = [];
    const pool = new WorkerPool<number, number>({
      entry: COUNTING_WORKER,
      workers: 1,
      depth: 1,
      inProcess: async (n) => {
        here.push(n);
        await new Promise((r) => setTimeout(r, 30));
        return -n;
      },
      message: (n) => n,
      name: "test",
      doing: "testing",
    });
    pool.helpHere(1, 2);
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => pool.submit(n)));
    // 1 and 2 go to the worker at once (depth 2); the queue then holds 3–6, more than 1: this thread takes 3 after a turn
    // of the event loop, the worker the next as it frees, and the last one queued stays the worker's.
    expect(here[0]).toBe(3);
    expect(here).not.toContain(6);
    // Each task ran once, where its result says: −n here, the worker's count of tasks received there.
    for (const n of here) expect(results[n - 1]).toBe(-n);
    expect(results.map((r, i) => r < 0 === here.includes(i + 1))).toEqual([true, true, true, true, true, true]);
    pool.close();
  });

  test("helpHere: a task that throws at once on this thread rejects its promise, and this thread helps on after it", async () => {
    // A worker that never answers: it holds task 1, and every other task runs on this thread, in order.
    const silent = URL.createObjectURL(new Blob(["onmessage = () => {};"], { type: "application/javascript" }));
    const pool = new WorkerPool<number, number>({
      entry: silent,
      workers: 1,
      depth: 1,
      inProcess: (n) => {
        if (n === 3) throw new Error("thrown before any promise");
        return Promise.resolve(-n);
      },
      message: (n) => n,
      name: "test",
      doing: "testing",
    });
    pool.helpHere(0, 1);
    const tasks = [1, 2, 3, 4, 5, 6].map((n) => pool.submit(n));
    const settled = await Promise.allSettled(tasks.slice(1));
    // Without the promise around it, the throw escaped a setImmediate callback: an uncaught error, and 3–6 never settled.
    expect(settled).toEqual([
      { status: "fulfilled", value: -2 },
      { status: "rejected", reason: new Error("thrown before any promise") },
      { status: "fulfilled", value: -4 },
      { status: "fulfilled", value: -5 },
      { status: "fulfilled", value: -6 },
    ]);
    const held = tasks[0]!.catch((error: Error) => error.message);
    pool.close();
    expect(await held).toBe("test pool closed"); // the silent worker's task
    URL.revokeObjectURL(silent);
  });

  test("setDepth hands more tasks at once from then on", async () => {
    const pool = countingPool(1);
    pool.setDepth(3);
    const results = await Promise.all([1, 2, 3, 4].map((n) => pool.submit(n)));
    // Three handed at once before the first answer (with depth 1 it would say 1); the fourth as soon as it came.
    expect(results).toEqual([3, 4, 4, 4]);
    pool.close();
  });

  // Fault injection: a worker that answers each task (a number) after 150 ms, except task 0, on which it dies mid-task
  // after 20 ms: by an error thrown outside any handler, or by exiting the thread (Bun reports an exit a little later).
  const dyingWorker = (death: string) =>
    URL.createObjectURL(
      new Blob(
        [
          `onmessage = (event) => { setTimeout(() => { ${death}; }, event.data === 0 ? 20 : 1e9); setTimeout(() => postMessage({ result: event.data * 10 }), 150); };`,
        ],
        { type: "application/javascript" },
      ),
    );
  const noHang = <T>(promise: Promise<T>) => Promise.race([promise, Bun.sleep(3000).then(() => "still waiting after 3 s")]);

  for (const [how, death, cause] of [
    ["throws outside its task", 'throw new RangeError("kernel table corrupt")', "RangeError: kernel table corrupt"],
    ["exits the thread", "process.exit(7)", "exit code 7"],
  ] as const) {
    test(`a worker that ${how} mid-task rejects its task and every later one with one environment error naming it; no hang`, async () => {
      const entry = dyingWorker(death);
      const pool = new WorkerPool<number, number>({ entry, workers: 2, inProcess: async () => -1, message: (n) => n, name: "layer", doing: "reading" });
      try {
        // Task 0 goes to one worker (it dies), task 1 to the other (it answers); 2 and 3 wait in the queue.
        const first = [0, 1, 2, 3].map((n) => noHang(pool.submit(n)));
        const settled = await Promise.allSettled(first);
        const later = await Promise.allSettled([noHang(pool.submit(4)), noHang(pool.submit(5, true))]);
        expect(settled.map((s) => s.status)).toEqual(["rejected", "fulfilled", "rejected", "rejected"]);
        expect((settled[1] as PromiseFulfilledResult<number>).value).toBe(10);
        expect(later.map((s) => s.status)).toEqual(["rejected", "rejected"]);
        const reasons = [...settled, ...later].flatMap((s) => (s.status === "rejected" ? [s.reason] : []));
        // One error for all of them: an environment MotherError naming the pool's thread and what ended it, on one line.
        expect(new Set(reasons).size).toBe(1);
        const error = reasons[0] as MotherError;
        expect(error).toBeInstanceOf(MotherError);
        expect(error.code).toBe("environment");
        expect(error.file).toBe(`layer worker thread (${entry.split("/").at(-1)})`);
        expect(error.detail?.value).toBe(cause);
        expect(error.message).not.toContain("\n");
      } finally {
        pool.close();
        URL.revokeObjectURL(entry);
      }
    });
  }

  test("closing a pool is not a death: the task a worker holds and the one queued reject as closed, not as a dead worker", async () => {
    const pool = countingPool(1);
    const tasks = [1, 2].map((n) => noHang(pool.submit(n).catch((error: Error) => error.message)));
    pool.close();
    await Bun.sleep(50); // the terminated worker's close event comes and changes nothing
    expect(await Promise.all(tasks)).toEqual(["test pool closed", "test pool closed"]);
    expect(await noHang(pool.submit(3).catch((error: Error) => error.message))).toBe("test pool closed");
  });
});
