import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { canonicalJson, configKey } from "../../src/harness/config-key.ts";
import { BugError } from "../../src/errors.ts";

describe("configKey", () => {
  test("is a 64-char sha256 hex digest", () => {
    expect(configKey({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  test("does not depend on the order keys were written in, at any depth", () => {
    const one = { model: { depth: 4, width: 64 }, seed: 1, tasks: ["digits", "shapes"] };
    const two = { tasks: ["digits", "shapes"], seed: 1, model: { width: 64, depth: 4 } };
    expect(configKey(one)).toBe(configKey(two));
    expect(canonicalJson(two)).toBe('{"model":{"depth":4,"width":64},"seed":1,"tasks":["digits","shapes"]}');
  });

  test("changes when any field, nested field, array order or parent changes", () => {
    const base = { model: { depth: 4, width: 64 }, seed: 1, tasks: ["digits", "shapes"], parent: "abc" };
    const variants = [
      { ...base, seed: 2 },
      { ...base, model: { depth: 4, width: 65 } },
      { ...base, tasks: ["shapes", "digits"] },
      { ...base, parent: "abd" },
      { ...base, extra: 0 },
      { ...base, seed: "1" },
    ];
    const keys = new Set([configKey(base), ...variants.map(configKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });

  test("any shuffling of keys gives the same key (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        return configKey(record) === configKey(reversed);
      }),
    );
  });

  test("treats typed arrays like arrays and drops undefined fields as JSON does", () => {
    expect(canonicalJson({ w: new Float32Array([1, 2]), skip: undefined })).toBe('{"w":[1,2]}');
  });

  test("refuses values JSON would silently change, naming where they are", () => {
    expect(() => configKey({ lr: Number.NaN })).toThrow(BugError);
    expect(() => configKey({ lr: Number.POSITIVE_INFINITY })).toThrow("config.lr");
    expect(() => configKey({ tasks: new Set(["a"]) })).toThrow("Map/Set");
    expect(() => configKey({ f: () => 1 })).toThrow("function");
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => configKey(cycle)).toThrow("cycle");
  });
});
