import { describe, expect, test } from "bun:test";
import { learningRate } from "../../src/onnx/index.ts";

describe("learningRate (warmup + cosine)", () => {
  const schedule = { peak: 1e-3, warmupSteps: 10, totalSteps: 110, floor: 1e-5 };
  test("rises linearly during warmup and peaks at its end", () => {
    expect(learningRate(schedule, 1)).toBeCloseTo(1e-4, 12);
    expect(learningRate(schedule, 5)).toBeCloseTo(5e-4, 12);
    expect(learningRate(schedule, 10)).toBeCloseTo(1e-3, 12);
  });
  test("is halfway between peak and floor at the middle of the decay", () => {
    expect(learningRate(schedule, 60)).toBeCloseTo((1e-3 + 1e-5) / 2, 12);
  });
  test("decays monotonically to the floor and stays there", () => {
    let previous = Infinity;
    for (let step = 10; step <= 110; step++) {
      const rate = learningRate(schedule, step);
      expect(rate).toBeLessThanOrEqual(previous);
      previous = rate;
    }
    expect(learningRate(schedule, 110)).toBe(1e-5);
    expect(learningRate(schedule, 500)).toBe(1e-5);
  });
});
