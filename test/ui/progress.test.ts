import { describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { describeFinish, describeProgress, lineProgress, recordingProgress, silentProgress, terminalProgress } from "../../src/ui/progress.ts";

describe("describeProgress", () => {
  test("counts cache hits as done but rates and ETAs only real work", () => {
    // 12 cached, 30 trained in 60 s → 0.5 items/s; 273 left → 546 s.
    const line = describeProgress({ label: "train", total: 315, cached: 12, advanced: 30, startedAt: 0 }, 60_000);
    expect(line).toBe("train 42/315 (12 cached) 30.0/min ETA 9m06s");
  });

  test("has no ETA before the first real item and none left when all was cached", () => {
    expect(describeProgress({ label: "train", total: 10, cached: 3, advanced: 0, startedAt: 0 }, 500)).toBe("train 3/10 (3 cached) –/s ETA ?");
    expect(describeProgress({ label: "train", total: 3, cached: 3, advanced: 0, startedAt: 0 }, 500)).toBe("train 3/3 (3 cached) –/s ETA 0 s");
  });

  test("shows fast work per second", () => {
    expect(describeProgress({ label: "read", total: 100, cached: 0, advanced: 50, startedAt: 0 }, 10_000)).toBe("read 50/100 5.0/s ETA 10.0 s");
  });
});

describe("counters never pass their totals (#16 case 7)", () => {
  test("a count past the total shows the total, and the overrun is not promised as time left", () => {
    expect(describeProgress({ label: "read", total: 192, cached: 0, advanced: 196, startedAt: 0 }, 10_000)).toBe("read 192/192 19.6/s ETA 0 s");
    expect(describeFinish({ label: "train", total: 20000, cached: 20000, advanced: 20000, startedAt: 0 }, 1000)).toBe(
      "train 20000/20000 (20000 cached) done in 1.0 s",
    );
  });

  test("a total that is not a finite count (NaN, Infinity, negative) shows as unknown", () => {
    for (const total of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      expect(describeProgress({ label: "read", total, cached: 0, advanced: 0, startedAt: 0 }, 500)).toBe("read 0/? –/s ETA ?");
    }
  });

  test("a task whose work grows after it started shows the new total (setTotal)", () => {
    const lines: string[] = [];
    const task = lineProgress({ write: (line) => lines.push(line), now: () => 0, intervalMs: 0 }).start("read", 192);
    task.advance(100);
    task.setTotal(196);
    task.advance(96);
    task.finish();
    expect(lines.at(-2)).toBe("read 196/196 –/s ETA 0 s");
    expect(lines.every((line) => !/ (\d+)\/(\d+)/.test(line) || Number(/ (\d+)\/(\d+)/.exec(line)![1]) <= Number(/ (\d+)\/(\d+)/.exec(line)![2]))).toBe(true);
  });
});

describe("lineProgress", () => {
  test("writes a start line, at most one line per interval, and a closing line", () => {
    let clock = 0;
    const lines: string[] = [];
    const progress = lineProgress({ write: (line) => lines.push(line), now: () => clock, intervalMs: 5000 });
    const task = progress.start("train", 10);
    task.cached(2);
    for (let item = 0; item < 8; item += 1) {
      clock += 2000;
      task.advance();
    }
    task.finish();
    task.finish();
    expect(lines).toEqual([
      "train 0/10 –/s ETA ?",
      "train 5/10 (2 cached) 30.0/min ETA 10.0 s",
      "train 8/10 (2 cached) 30.0/min ETA 4.0 s",
      "train 10/10 (2 cached) done in 16.0 s",
    ]);
  });
});

describe("terminalProgress", () => {
  test("draws a bar with our counts into the given stream", async () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let text = "";
    (stream as unknown as PassThrough).on("data", (chunk) => (text += chunk.toString()));
    const task = terminalProgress(stream).start("train", 4);
    task.cached(1);
    task.advance(3);
    task.finish();
    await Bun.sleep(1);
    expect(text).toContain("train 4/4 (1 cached) done in");
  });
});

describe("test doubles", () => {
  test("silentProgress accepts every call", () => {
    const task = silentProgress.start("x", 1);
    task.cached();
    task.advance();
    task.finish();
  });

  test("recordingProgress keeps every call in order", () => {
    const progress = recordingProgress();
    const task = progress.start("train", 2);
    task.cached();
    task.advance();
    task.finish();
    expect(progress.events.map((event) => event.event)).toEqual(["start", "cached", "advance", "finish"]);
  });
});
