import { describe, expect, test } from "bun:test";
import { parseSetFamilies, parseSourceChoice } from "../../../src/harness/derived/derived-options.ts";

describe("argument parsers", () => {
  test("parseSetFamilies keeps the order given, drops repeats, refuses an empty list", () => {
    expect(parseSetFamilies("vthr, foreign,vthr")).toEqual(["vthr", "foreign"]);
    expect(() => parseSetFamilies(" , ")).toThrow("at least one set family");
  });
  test("parseSourceChoice takes sample and all only", () => {
    expect(parseSourceChoice("all")).toBe("all");
    expect(() => parseSourceChoice("ALL")).toThrow("unknown source choice");
  });
});
