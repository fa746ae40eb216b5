import { describe, expect, test } from "bun:test";
import { statsOf } from "../../fixtures/layer-stats.ts";
import { candidateMonotonicity, expectedSign } from "../../../src/harness/direction/candidate-monotonicity.ts";
import { layerSetByName } from "../../../src/harness/direction/layer-sets.ts";

const stats = (kurtosis: number) => statsOf({ kurtosis });
const Q = "vit.encoder.layer.0.attention.attention.query.weight";
const run = (id: string, stage: "generalization" | "specialization", kurtoses: number[]) => ({
  id,
  root: "r",
  stage,
  snapshots: kurtoses.map((k, step) => ({ step, stats: { [Q]: stats(k) } })),
});

describe("candidateMonotonicity", () => {
  test("judges each run against its own stage: rising pre-training and falling fine-tuning both count as monotone", () => {
    const [result] = candidateMonotonicity(
      [run("pt", "generalization", [3, 4, 5]), run("ft", "specialization", [5, 4, 3])],
      [{ score: "kurtosis", layers: layerSetByName("query") }],
    );
    expect(result!.perRun.map((r) => r.rho)).toEqual([1, -1]);
    expect(result!.summary).toMatchObject({ meanSignedRho: 1, worstSignedRho: 1, fractionMonotone: 1 });
    expect([expectedSign("generalization"), expectedSign("specialization")]).toEqual([1, -1]);
  });

  test("a fine-tune whose score rises scores −1", () => {
    const [result] = candidateMonotonicity([run("ft", "specialization", [3, 4, 5])], [{ score: "kurtosis", layers: layerSetByName("query") }]);
    expect(result!.summary.meanSignedRho).toBe(-1);
  });
});
