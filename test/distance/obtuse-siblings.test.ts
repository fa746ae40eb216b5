import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { angleDistanceFor, hasEmbeddingMatrix, obtuseShadows } from "../../src/distance/obtuse-siblings.ts";

/** Euclidean distances (k×k) between points. */
function distances(points: readonly (readonly number[])[]): Float64Array {
  const k = points.length;
  return Float64Array.from({ length: k * k }, (_, at) => Math.hypot(...points[Math.floor(at / k)]!.map((x, d) => x - points[at % k]![d]!)));
}

describe("obtuseShadows", () => {
  test("a short sibling near the segment to a long one: the short–long pair is ruled out, nothing else", () => {
    // c = parent, i = short fine-tune drifting along p's direction, p = long fine-tune.
    // At i: (c − i)·(p − i) = (−2,−1)·(8,−1) = −15 < 0, obtuse, and |ci| = √5 < |ip| = √65.
    const shadows = obtuseShadows(
      distances([
        [0, 0],
        [2, 1],
        [10, 0],
      ]),
      3,
    );
    expect([...shadows]).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 0]);
  });

  test("parentOnly: the same triangle rules out only the middle model as the farther one's parent (i → p), not p → i", () => {
    const shadows = obtuseShadows(
      distances([
        [0, 0],
        [2, 1],
        [10, 0],
      ]),
      3,
      true,
    );
    // Row = parent, column = child: only [1, 2] (i → p).
    expect([...shadows]).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  test("exempt: a pair measured by rank is never ruled out; the other pairs are as before", () => {
    // A chain c → i → p whose second step continues the first (obtuse at i): i → p is ruled out unless exempt.
    const d = distances([
      [0, 0],
      [2, 1],
      [10, 0],
    ]);
    const exempt = [0, 0, 0, 0, 0, 1, 0, 1, 0];
    expect([...obtuseShadows(d, 3, true, exempt)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...obtuseShadows(d, 3, false, exempt)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Exempting another pair leaves i → p ruled out.
    expect([...obtuseShadows(d, 3, true, [0, 1, 0, 1, 0, 0, 0, 0, 0])]).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  test("a chain of independent updates (an acute or right angle at the middle) is left alone", () => {
    expect(
      [
        ...obtuseShadows(
          distances([
            [0, 0],
            [3, 0],
            [2.9, 4],
          ]),
          3,
        ),
      ].every((x) => x === 0),
    ).toBe(true);
    expect(
      [
        ...obtuseShadows(
          distances([
            [0, 0],
            [3, 0],
            [3, 4],
          ]),
          3,
        ),
      ].every((x) => x === 0),
    ).toBe(true);
  });

  test("brute force: a pair is ruled out exactly when a nearer third point sees it at an obtuse angle (random points)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -9, max: 9 }), fc.integer({ min: -9, max: 9 }), fc.integer({ min: -9, max: 9 })), { minLength: 3, maxLength: 6 }),
        (points) => {
          const k = points.length;
          const d = distances(points);
          const shadows = obtuseShadows(d, k);
          const minus = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x - b[i]!);
          const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
          // exact integer arithmetic: some a ≠ mid nearer to mid than other (|a − mid|² < |other − mid|²) at an obtuse angle at mid;
          // with `ties`, also a at the same distance as other: the rule sees the distances rounded (square roots), so an
          // exact tie may read either way, and only there is either answer right
          const seenFrom = (mid: number, other: number, ties: boolean) =>
            points.some((_, a) => {
              if (a === mid || a === other) return false;
              const am = minus(points[a]!, points[mid]!);
              const om = minus(points[other]!, points[mid]!);
              const nearer = ties ? dot(am, am) <= dot(om, om) : dot(am, am) < dot(om, om);
              return dot(am, am) > 0 && nearer && dot(am, om) < 0;
            });
          for (let m = 0; m < k; m++) {
            for (let b = 0; b < k; b++) {
              if (m === b) continue;
              if (seenFrom(m, b, false) || seenFrom(b, m, false)) expect(shadows[m * k + b]).toBe(1);
              else if (!seenFrom(m, b, true) && !seenFrom(b, m, true)) expect(shadows[m * k + b]).toBe(0);
            }
          }
        },
      ),
      {
        numRuns: 200,
        examples: [
          [
            [
              [7, -4, 0],
              [3, -1, 2],
              [0, 0, 0],
              [7, -9, 2],
            ],
          ],
        ],
      },
    );
  });
});

describe("when the rule applies", () => {
  const lm = [{ name: "model.embed_tokens.weight", shape: [256, 64] }];
  const vit = [
    { name: "vit.embeddings.patch_embeddings.projection.weight", shape: [48, 3, 8, 8] },
    { name: "vit.embeddings.position_embeddings", shape: [1, 17, 48] },
  ];
  const mean = () => new Float64Array(9);

  test("language models have a 2-D embedding matrix, ViTs do not", () => {
    expect(hasEmbeddingMatrix(lm)).toBe(true);
    expect(hasEmbeddingMatrix([{ name: "transformer.wte.weight", shape: [50257, 768] }])).toBe(true);
    expect(hasEmbeddingMatrix(vit)).toBe(false);
  });

  test("auto: language models of three or more without a generalization label; on and off as told", () => {
    const auto = ["auto", "auto", "auto"];
    expect(angleDistanceFor("auto", false, true, auto, mean)).toBeDefined();
    expect(angleDistanceFor("auto", false, false, auto, mean)).toBeUndefined();
    expect(angleDistanceFor("auto", false, true, ["auto", "generalization", "auto"], mean)).toBeUndefined();
    expect(angleDistanceFor("auto", false, true, ["auto", "auto"], mean)).toBeUndefined();
    expect(angleDistanceFor("on", false, false, auto, mean)).toBeDefined();
    expect(angleDistanceFor("off", false, true, auto, mean)).toBeUndefined();
    expect(angleDistanceFor("parent", false, true, auto, mean)).toBeDefined();
    expect(angleDistanceFor("parent", false, false, auto, mean)).toBeUndefined();
  });
});
