import { describe, expect, test } from "bun:test";
import { packParams, paramLayout, unpackParams } from "../../src/train/param-layout.ts";
import { paramGroups } from "../../src/train/param-groups.ts";

const TENSORS = [
  { name: "w", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  { name: "b", shape: [2], data: Float32Array.from([7, 8]) },
];

describe("paramLayout / packParams / unpackParams", () => {
  test("packs tensors back to back and unpacks views into the flat vector", () => {
    const layout = paramLayout(TENSORS);
    expect(layout.size).toBe(8);
    const flat = packParams(layout, TENSORS);
    expect(Array.from(flat)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const views = unpackParams(layout, flat);
    expect(views[1]!.shape).toEqual([2]);
    views[1]!.data[0] = -1;
    expect(flat[6]).toBe(-1);
  });

  test("rejects missing tensors and wrong sizes", () => {
    const layout = paramLayout(TENSORS);
    expect(() => packParams(layout, TENSORS.slice(0, 1))).toThrow(/b needs 2 values, got none/);
    expect(() => packParams(layout, [TENSORS[0]!, { ...TENSORS[1]!, data: new Float32Array(3) }])).toThrow(/b needs 2 values, got 3/);
    expect(() => unpackParams(layout, new Float32Array(7))).toThrow(/flat array has 7/);
  });
});

describe("paramGroups", () => {
  test("matrices are decayed, rank-1 tensors are not, untrained ones are frozen", () => {
    const specs = [
      { name: "q.weight", shape: [2, 2], init: { kind: "zeros" } as const },
      { name: "q.bias", shape: [2], init: { kind: "zeros" } as const },
      { name: "k.weight", shape: [2, 2], init: { kind: "zeros" } as const },
    ];
    const groups = paramGroups(specs, (name) => name.startsWith("q."));
    expect(groups.decay.entries.map((e) => e.name)).toEqual(["q.weight"]);
    expect(groups.no_decay.entries.map((e) => e.name)).toEqual(["q.bias"]);
    expect(groups.frozen.entries.map((e) => e.name)).toEqual(["k.weight"]);
  });
});
