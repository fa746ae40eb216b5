import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { typedScores } from "../../src/recover/evaluate-typed.ts";
import { edgeAccuracy } from "../../src/recover/evaluate.ts";
import { RELATION_TYPES } from "../../src/types.ts";

/** A random forest over n models as a parent array (−1 = root), each edge with a random type. */
const forest = (n: number) =>
  fc.tuple(
    fc.array(fc.integer({ min: -1, max: n - 1 }), { minLength: n, maxLength: n }),
    fc.array(fc.constantFrom(...RELATION_TYPES), { minLength: n, maxLength: n }),
  );
const edgesOf = ([parents, types]: [number[], (typeof RELATION_TYPES)[number][]]) =>
  // only parents with a smaller index, so it is a forest
  parents.flatMap((p, i) => (p >= 0 && p < i ? [{ parent: `m${p}`, child: `m${i}`, type: types[i]! }] : []));

describe("typedScores", () => {
  test("on two forests over the same models with the same edge count, precision = recall = F1 = the paper's edge accuracy", () => {
    fc.assert(
      fc.property(forest(8), forest(8), (a, b) => {
        const truth = edgesOf(a);
        const predicted = edgesOf(b).slice(0, truth.length);
        fc.pre(predicted.length === truth.length);
        const { directed } = typedScores(predicted, truth);
        const models = Array.from({ length: 8 }, (_, i) => ({ id: `m${i}`, tree: "T" }));
        const accuracy = edgeAccuracy(predicted, { models, edges: truth }).accuracy;
        expect(directed.precision).toBeCloseTo(accuracy, 12);
        expect(directed.recall).toBeCloseTo(accuracy, 12);
        expect(directed.f1).toBeCloseTo(accuracy, 12);
      }),
      { numRuns: 200 },
    );
  });

  test("typed counts never exceed directed ones, and per-type recall adds up to typed recall", () => {
    fc.assert(
      fc.property(forest(10), forest(10), (a, b) => {
        const [truth, predicted] = [edgesOf(a), edgesOf(b)];
        const { directed, typed, perType } = typedScores(predicted, truth);
        expect(typed!.correct).toBeLessThanOrEqual(directed.correct);
        expect(perType.reduce((sum, t) => sum + t.typed, 0)).toBe(typed!.correct);
        expect(perType.reduce((sum, t) => sum + t.recovered, 0)).toBe(directed.correct);
        expect(perType.reduce((sum, t) => sum + t.total, 0)).toBe(truth.length);
      }),
      { numRuns: 200 },
    );
  });

  test("nothing predicted and nothing true is a perfect score; nothing predicted against true edges scores 0", () => {
    expect(typedScores([], []).directed).toEqual({ precision: 1, recall: 1, f1: 1, correct: 0, predicted: 0, total: 0 });
    expect(typedScores([], [{ parent: "a", child: "b" }]).directed).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(typedScores([{ parent: "a", child: "b", type: "finetune" }], [{ parent: "a", child: "b" }]).typed).toBeUndefined();
  });
});
