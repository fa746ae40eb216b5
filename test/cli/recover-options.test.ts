import { describe, expect, test } from "bun:test";
import { parseRecoverWords } from "../../src/cli/recover-options.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";

describe("mother recover's option table", () => {
  test("paths are the operands alone: option values, in either spelling, are not paths", () => {
    const parsed = parseRecoverWords(["--cache", "c/", "a/", "--out=g.json", "-q", "b/", "--workers", "0", "--", "--odd-name/"]);
    expect(parsed?.paths).toEqual(["a/", "b/", "--odd-name/"]);
    expect(parsed?.options).toMatchObject({ cache: "c/", out: "g.json", quiet: true, workers: 0 });
  });

  test("defaults are the library's, as the command sees them", () => {
    expect(parseRecoverWords(["a/"])?.options).toMatchObject({
      stage: DEFAULT_RECOVER_OPTIONS.stage,
      siblingGeometry: DEFAULT_RECOVER_OPTIONS.siblingGeometry,
      trees: DEFAULT_RECOVER_OPTIONS.trees,
    });
  });

  test("--pair-offside reaches the recovery options: off by default, under and over as given", () => {
    expect(parseRecoverWords(["a/"])?.options).toMatchObject({ pairOffside: "off" });
    expect(parseRecoverWords(["--pair-offside", "under", "a/"])?.options).toMatchObject({ pairOffside: "under" });
    expect(parseRecoverWords(["--pair-offside", "over", "a/"])?.options).toMatchObject({ pairOffside: "over" });
  });

  test("a line the command refuses, or --help, parses to nothing and prints nothing", () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => written.push(chunk) > 0) as typeof process.stderr.write;
    try {
      expect(parseRecoverWords(["--stage", "sideways", "a/"])).toBeUndefined();
      expect(parseRecoverWords(["--workers", "-1", "a/"])).toBeUndefined();
      expect(parseRecoverWords(["--bogus", "a/"])).toBeUndefined();
      expect(parseRecoverWords(["--pair-offside", "on", "a/"])).toBeUndefined();
      expect(parseRecoverWords(["a/", "--out"])).toBeUndefined();
      expect(parseRecoverWords(["--help"])).toBeUndefined();
    } finally {
      process.stderr.write = write;
    }
    expect(written).toEqual([]);
  });
});
