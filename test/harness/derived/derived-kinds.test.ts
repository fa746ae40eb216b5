import { describe, expect, test } from "bun:test";
import { DERIVED_KINDS, deriveTensor, parseDerivedKinds } from "../../../src/harness/derived/derived-kinds.ts";

const MATRIX = {
  name: "vit.encoder.layer.0.attention.attention.query.weight",
  dtype: "BF16" as const,
  shape: [2, 5],
  data: new Float32Array([0.1, -0.2, 0.3, 0.05, -0.5, 1, 2, -3, 0.5, 0.25]),
};
const BIAS = {
  name: "vit.encoder.layer.0.attention.attention.query.bias",
  dtype: "BF16" as const,
  shape: [5],
  data: new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5]),
};

describe("deriveTensor", () => {
  test("transforms 2-D matrices, keeps the name and shape, stores the kind's dtype", () => {
    for (const kind of DERIVED_KINDS) {
      const out = deriveTensor(kind.name, MATRIX);
      expect(out.name).toBe(MATRIX.name);
      expect(out.shape).toEqual([2, 5]);
      expect(out.dtype).toBe(kind.storedAs);
    }
    expect(deriveTensor("fp16", MATRIX).data).toBe(MATRIX.data);
    // prune30 of 10 values zeroes 3: |0.05|, |0.1|, |-0.2|.
    expect(Array.from(deriveTensor("prune30", MATRIX).data, (v) => Math.fround(v))).toEqual(
      Array.from(new Float32Array([0, 0, 0.3, 0, -0.5, 1, 2, -3, 0.5, 0.25])),
    );
    expect(deriveTensor("int8", MATRIX).data).not.toEqual(MATRIX.data);
  });

  test("copies every other tensor untouched, dtype included", () => {
    for (const kind of DERIVED_KINDS) expect(deriveTensor(kind.name, BIAS)).toBe(BIAS);
  });
});

describe("parseDerivedKinds", () => {
  test("keeps the order given and drops repeats", () => {
    expect(parseDerivedKinds("prune30, int8,prune30")).toEqual(["prune30", "int8"]);
  });
  test("refuses an unknown kind with the choices, and an empty list", () => {
    expect(() => parseDerivedKinds("int8,int3")).toThrow("unknown copy kind 'int3' (choose from int8, int4, fp16, prune30)");
    expect(() => parseDerivedKinds(",")).toThrow("at least one copy kind");
  });
});
