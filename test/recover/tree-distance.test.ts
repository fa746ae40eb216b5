import { describe, expect, test } from "bun:test";
import type { LayerJob, LayerResult } from "../../src/recover/layer-pass.ts";
import { zeroShare } from "../../src/recover/tree-distance.ts";

/** A plan of layers with the given roles and their results, each with every model's share of exact zeros. */
function planAndPass(layers: readonly { score: boolean; zeros: number[] }[]): { jobs: LayerJob[]; pass: LayerResult[] } {
  const jobs = layers.map(
    ({ score }, l): LayerJob => ({
      name: `layer.${l}`,
      kind: "query",
      shape: [4, 4],
      tensors: [],
      roles: { distance: !score, score, sketch: false },
      sketchSize: 0,
      histogramBins: 0,
    }),
  );
  const pass = layers.map(
    ({ zeros }, l): LayerResult => ({
      name: `layer.${l}`,
      stats: [],
      maxAbsDiff: new Float64Array(0),
      meanAbsDiff: new Float64Array(0),
      sketches: [],
      zeroFraction: zeros,
      gridLevels: [],
    }),
  );
  return { jobs, pass };
}

describe("zeroShare", () => {
  test("the median over the score layers of a model's share of exact zeros, the same when asked again, per plan", () => {
    const { jobs, pass } = planAndPass([
      { score: true, zeros: [0.5, 0] },
      { score: false, zeros: [0.9, 0.9] },
      { score: true, zeros: [0.1, 0.3] },
      { score: true, zeros: [0.3, 0.2] },
    ]);
    expect(zeroShare(jobs, pass, 0)).toBe(0.3);
    expect(zeroShare(jobs, pass, 1)).toBe(0.2);
    expect(zeroShare(jobs, pass, 0)).toBe(0.3);
    // The same results under a plan that scores every layer: asked of that plan, not answered from the first.
    const everyLayer = jobs.map((job) => ({ ...job, roles: { ...job.roles, score: true } }));
    expect(zeroShare(everyLayer, pass, 0)).toBe(0.5);
    expect(zeroShare(jobs.slice(1, 2), pass.slice(1, 2), 0)).toBe(0);
  });
});
