import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const TIMELINE = join(import.meta.dir, "..", "..", "src", "ui", "timeline.ts");

/** Runs `code` in a fresh bun process (the timeline reads its environment once, at import) and returns its stderr. */
async function stderrOf(code: string, env: Record<string, string | undefined>): Promise<string> {
  const proc = Bun.spawn(["bun", "-e", code], { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
  const stderr = await new Response(proc.stderr).text();
  expect(await proc.exited).toBe(0);
  return stderr;
}

// A worker marks once; the main thread marks before and after it, so the worker's time must lie between.
const MAIN_AND_WORKER = `
  const { mark, workerEnv } = await import(${JSON.stringify(TIMELINE)});
  mark("before the worker");
  const source = "const { mark } = await import(" + JSON.stringify(${JSON.stringify(TIMELINE)}) + "); mark('in the worker'); postMessage(0);";
  const url = URL.createObjectURL(new Blob([source], { type: "application/typescript" }));
  const worker = new Worker(url, { env: workerEnv() });
  await new Promise((resolve) => (worker.onmessage = resolve));
  worker.terminate();
  mark("after the worker");
`;

describe("timeline", () => {
  test("MOTHER_TIMELINE=1 prints each mark with its thread, on one clock since the process started across threads", async () => {
    const lines = (await stderrOf(MAIN_AND_WORKER, { MOTHER_TIMELINE: "1" })).trim().split("\n");
    expect(lines).toHaveLength(3);
    const parsed = lines.map((line) => line.match(/^timeline +([\d.]+) ms {2}(main|worker \d+) +cpu +([\d.]+) ms {2}(.*)$/));
    expect(parsed.every((match) => match !== null)).toBe(true);
    const [before, inside, after] = parsed.map((match) => ({ ms: Number(match![1]), thread: match![2], cpu: Number(match![3]), what: match![4] }));
    expect([before!.thread, inside!.thread, after!.thread]).toEqual(["main", expect.stringMatching(/^worker \d+$/), "main"]);
    expect([before!.what, inside!.what, after!.what]).toEqual(["before the worker", "in the worker", "after the worker"]);
    // Since the process started: not since the worker did (that would put the worker's mark near 0, before the first).
    expect(before!.ms).toBeGreaterThan(0);
    expect(inside!.ms).toBeGreaterThanOrEqual(before!.ms);
    expect(after!.ms).toBeGreaterThanOrEqual(inside!.ms);
    // Each thread's own CPU time so far: the main thread's grows from mark to mark.
    expect(after!.cpu).toBeGreaterThan(before!.cpu);
    expect(inside!.cpu).toBeGreaterThan(0);
  });

  test("without MOTHER_TIMELINE (or with 0) nothing is printed", async () => {
    expect(await stderrOf(MAIN_AND_WORKER, { MOTHER_TIMELINE: undefined })).toBe("");
    expect(await stderrOf(MAIN_AND_WORKER, { MOTHER_TIMELINE: "0" })).toBe("");
  });

  test("a relaunched process counts from the first process's start, once: its own children and threads do not inherit it", async () => {
    const code = `
      const { mark, workerEnv } = await import(${JSON.stringify(TIMELINE)});
      mark("relaunched");
      console.error("env " + (process.env.MOTHER_TIMELINE_RELAUNCHED_FROM ?? "gone") + " " + ("MOTHER_TIMELINE_RELAUNCHED_FROM" in workerEnv()));
    `;
    const started = Date.now() - 5_000;
    const stderr = await stderrOf(code, { MOTHER_TIMELINE: "1", MOTHER_TIMELINE_RELAUNCHED_FROM: String(started) });
    const ms = Number(stderr.match(/^timeline +([\d.]+) ms/)![1]);
    expect(ms).toBeGreaterThanOrEqual(5_000);
    expect(ms).toBeLessThan(60_000);
    expect(stderr).toContain("env gone false");
    // Without a timeline the variable is dropped too, and nothing is printed.
    expect(await stderrOf(code.replace('mark("relaunched");', ""), { MOTHER_TIMELINE: undefined, MOTHER_TIMELINE_RELAUNCHED_FROM: String(started) })).toBe(
      "env gone false\n",
    );
  });

  test("a main thread started with an inherited origin (a parent's timeline) measures from its own start", async () => {
    const stderr = await stderrOf(`const { mark } = await import(${JSON.stringify(TIMELINE)}); mark("now");`, { MOTHER_TIMELINE: "1000000000000" });
    const ms = Number(stderr.match(/^timeline +([\d.]+) ms/)![1]);
    expect(ms).toBeLessThan(60_000);
  });
});
