import { describe, expect, test } from "bun:test";
import { makeSignedUniform } from "../../src/recover/seeded-random.ts";

describe("makeSignedUniform", () => {
  test("draws xorshift32 (13, 17, 5) scaled to [−1, 1): the first draw from seed 1 worked by hand", () => {
    // 1 ^ 1 << 13 = 8193; 8193 ^ 8193 >>> 17 = 8193; 8193 ^ 8193 << 5 = 270369.
    expect(makeSignedUniform(1, 1)[0]).toBe((270369 / 2 ** 32) * 2 - 1);
  });

  test("is a function of its seed (0 counts as 1) and stays in [−1, 1)", () => {
    const draws = makeSignedUniform(10_000, 7);
    expect(draws).toEqual(makeSignedUniform(10_000, 7));
    expect(makeSignedUniform(5, 0)).toEqual(makeSignedUniform(5, 1));
    expect(draws.every((x) => x >= -1 && x < 1)).toBe(true);
    expect(Math.abs(draws.reduce((sum, x) => sum + x, 0) / draws.length)).toBeLessThan(0.05);
  });
});
