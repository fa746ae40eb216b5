import { describe, expect, test } from "bun:test";
import { rankByWorstCase } from "../../../src/harness/direction/rank-by-worst-case.ts";

describe("rankByWorstCase", () => {
  test("puts the candidate with the best worst condition first, breaking ties by the mean", () => {
    const conditions = [
      new Map([
        ["steady", 0.8],
        ["spiky", 1.0],
        ["flat", 0.8],
      ]),
      new Map([
        ["steady", 0.8],
        ["spiky", 0.2],
        ["flat", 0.7],
      ]),
    ];
    const ranked = rankByWorstCase(["spiky", "flat", "steady"], conditions);
    expect(ranked.map((r) => r.label)).toEqual(["steady", "flat", "spiky"]);
    expect(ranked[0]).toEqual({ label: "steady", values: [0.8, 0.8], worst: 0.8, mean: 0.8 });
    expect(ranked[2]!.worst).toBe(0.2);
  });

  test("ranks a candidate missing from a condition last and shows its worst as NaN", () => {
    const ranked = rankByWorstCase(
      ["gap", "low"],
      [
        new Map([
          ["gap", 1],
          ["low", 0.1],
        ]),
        new Map([["low", 0.1]]),
      ],
    );
    expect(ranked.map((r) => r.label)).toEqual(["low", "gap"]);
    expect(ranked[1]!.worst).toBeNaN();
    expect(ranked[1]!.mean).toBe(1);
  });
});
