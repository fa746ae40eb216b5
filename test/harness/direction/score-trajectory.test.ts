import { describe, expect, test } from "bun:test";
import { statsOf } from "../../fixtures/layer-stats.ts";
import { isScoredTensor, scoreTrajectory } from "../../../src/harness/direction/score-trajectory.ts";

const stats = (kurtosis: number, mean = 0) => statsOf({ kurtosis, mean });
const Q = "vit.encoder.layer.0.attention.attention.query.weight";
const V = "vit.encoder.layer.1.attention.attention.value.weight";
const OUT = "vit.encoder.layer.0.attention.output.dense.weight";
const MLP_OUT = "vit.encoder.layer.0.output.dense.weight";
const HEAD = "classifier.weight";

describe("scoreTrajectory", () => {
  const snapshots = [
    { step: 10, stats: { [Q]: stats(5, 1), [V]: stats(7, 2), [OUT]: stats(100), [MLP_OUT]: stats(1000), [HEAD]: stats(1e6) } },
    { step: 0, stats: { [Q]: stats(3, 1), [V]: stats(4, 2), [OUT]: stats(200), [MLP_OUT]: stats(2000), [HEAD]: stats(1e6) } },
  ];

  test("sums the statistic over the tensors of the chosen kinds only, in step order", () => {
    expect(scoreTrajectory(snapshots, "kurtosis", ["query", "value"])).toEqual([
      { step: 0, value: 7 },
      { step: 10, value: 12 },
    ]);
    expect(scoreTrajectory(snapshots, "kurtosis", ["attention-output"]).map((p) => p.value)).toEqual([200, 100]);
    expect(scoreTrajectory(snapshots, "kurtosis", ["mlp-out"]).map((p) => p.value)).toEqual([2000, 1000]);
    expect(scoreTrajectory(snapshots, "mean", ["query", "value"]).map((p) => p.value)).toEqual([3, 3]);
  });

  test("throws when a snapshot holds no tensor of the kinds (a score of nothing is not 0)", () => {
    expect(() => scoreTrajectory(snapshots, "kurtosis", ["key"])).toThrow(/no layers/);
  });
});

describe("isScoredTensor", () => {
  test("tells attention output from MLP output and never scores biases or heads", () => {
    expect(isScoredTensor(OUT, ["attention-output"])).toBe(true);
    expect(isScoredTensor(OUT, ["mlp-out"])).toBe(false);
    expect(isScoredTensor(MLP_OUT, ["mlp-out"])).toBe(true);
    expect(isScoredTensor("vit.encoder.layer.0.attention.attention.query.bias", ["query"])).toBe(false);
    expect(isScoredTensor(HEAD, ["query", "key", "value", "attention-output", "mlp-in", "mlp-out"])).toBe(false);
  });
});
