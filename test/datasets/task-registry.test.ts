import { describe, expect, test } from "bun:test";
import { TASKS, taskByName } from "../../datasets/task-registry.ts";

describe("image task registry", () => {
  test("holds at least 12 tasks with unique kebab-case names and class names for every class", () => {
    expect(TASKS.length).toBeGreaterThanOrEqual(12);
    expect(new Set(TASKS.map((task) => task.name)).size).toBe(TASKS.length);
    for (const task of TASKS) {
      expect(task.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(task.numClasses).toBeGreaterThanOrEqual(2);
      expect(task.classNames.length).toBe(task.numClasses);
      expect(new Set(task.classNames).size).toBe(task.numClasses);
    }
    expect(taskByName("digits").numClasses).toBe(10);
    expect(() => taskByName("no-such-task")).toThrow(/unknown image task.*help: one of count-objects/);
  });

  for (const task of TASKS) {
    describe(task.name, () => {
      const count = task.numClasses * 6 + 1;
      const batch = task.generate(11, count);

      test("produces NCHW float images in [-1, 1] with labels in range", () => {
        expect(batch.count).toBe(count);
        expect(batch.channels).toBe(3);
        expect(batch.size).toBe(32);
        expect(batch.images.length).toBe(count * 3 * 32 * 32);
        let low = Infinity;
        let high = -Infinity;
        for (const value of batch.images) {
          if (value < low) low = value;
          if (value > high) high = value;
        }
        expect(low).toBeGreaterThanOrEqual(-1);
        expect(high).toBeLessThanOrEqual(1);
        expect(high - low).toBeGreaterThan(0.5); // not blank
        for (const label of batch.labels) expect(label >= 0 && label < task.numClasses).toBe(true);
      });

      test("has balanced classes: each block of numClasses images holds every class once", () => {
        const perClass = new Array<number>(task.numClasses).fill(0);
        for (const label of batch.labels.subarray(0, task.numClasses * 6)) perClass[label] = (perClass[label] as number) + 1;
        expect(perClass).toEqual(new Array<number>(task.numClasses).fill(6));
      });

      test("is deterministic: same seed same bytes, other seed other bytes, shorter run is a prefix", () => {
        const again = task.generate(11, count);
        expect(Buffer.from(again.images.buffer).equals(Buffer.from(batch.images.buffer))).toBe(true);
        expect(Array.from(again.labels)).toEqual(Array.from(batch.labels));
        const other = task.generate(12, count);
        expect(Buffer.from(other.images.buffer).equals(Buffer.from(batch.images.buffer))).toBe(false);
        const prefix = task.generate(11, 5);
        expect(Array.from(prefix.images)).toEqual(Array.from(batch.images.subarray(0, prefix.images.length)));
      });

      test("distinct images differ from each other", () => {
        const stride = 3 * 32 * 32;
        const first = batch.images.subarray(0, stride);
        const second = batch.images.subarray(stride, 2 * stride);
        expect(Buffer.from(first.slice().buffer).equals(Buffer.from(second.slice().buffer))).toBe(false);
      });

      test("renders at other image sizes", () => {
        const small = task.generate(11, 3, 24);
        expect(small.size).toBe(24);
        expect(small.images.length).toBe(3 * 3 * 24 * 24);
        expect(Array.from(small.labels)).toEqual(Array.from(batch.labels.subarray(0, 3)));
      });
    });
  }
});
