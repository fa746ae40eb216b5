import { describe, expect, test } from "bun:test";
import { formatMeanAndStd, meanAndStd } from "../../../src/harness/ablation/mean-and-std.ts";

describe("meanAndStd", () => {
  test("uses the population std (numpy's default ddof = 0)", () => {
    // np.std([2, 4, 4, 4, 5, 5, 7, 9]) = 2.0, mean 5.0
    expect(meanAndStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: 2, count: 8 });
  });
  test("one sample has std 0; an empty list is NaN, not 0", () => {
    expect(meanAndStd([0.75])).toEqual({ mean: 0.75, std: 0, count: 1 });
    const empty = meanAndStd([]);
    expect(Number.isNaN(empty.mean) && Number.isNaN(empty.std) && empty.count === 0).toBe(true);
  });
  test("formats as mean ± std with three decimals", () => {
    expect(formatMeanAndStd(meanAndStd([1, 0]))).toBe("0.500 ± 0.500");
  });
});
