import { describe, expect, test } from "bun:test";
import { layerRanges, nearestModel, normalisedDistances } from "../../../src/harness/derived/nearest-model.ts";

const A = { id: "a", layers: [new Float64Array([0, 1, 2, 3]), new Float64Array([10, 10])] };
const B = { id: "b", layers: [new Float64Array([0, 1, 2, 4]), new Float64Array([10, 12])] };

describe("layerRanges and normalisedDistances", () => {
  test("range per layer over all models; distances normalised by it (hand-computed)", () => {
    const ranges = layerRanges([A, B]);
    expect(ranges).toEqual([4, 2]);
    // Layer 0: max |Δ| 1 / 4, mean 0.25 / 4; layer 1: max 2 / 2 = 1, mean 1 / 2.
    const d = normalisedDistances(A, B, ranges);
    expect(d.max).toBeCloseTo(1, 12);
    expect(d.mean).toBeCloseTo((0.25 / 4 + 1 / 2) / 2, 12);
  });
  test("a constant layer has range 1, not 0; mismatched layers are refused", () => {
    expect(layerRanges([{ id: "c", layers: [new Float64Array([3, 3])] }])).toEqual([1]);
    expect(() => normalisedDistances(A, { id: "x", layers: [new Float64Array(3), new Float64Array(2)] }, [1, 1])).toThrow("a has 4 values, x 3");
  });
});

describe("nearestModel", () => {
  test("the max and the mean distance may disagree: one big change vs many small ones", () => {
    const copy = { id: "copy", layers: [new Float64Array([0, 0, 0, 0])] };
    const spike = { id: "spike", layers: [new Float64Array([0, 0, 0, 2])] }; // max 2, mean 0.5
    const spread = { id: "spread", layers: [new Float64Array([1, 1, 1, 1])] }; // max 1, mean 1
    expect(nearestModel(copy, [spike, spread], [1])).toEqual({ byMax: "spread", byMean: "spike" });
  });
});
