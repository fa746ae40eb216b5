import { describe, expect, test } from "bun:test";
import { Command } from "commander";
import fc from "fast-check";
import { declareRecoverOptions, parseRecoverWords } from "../../src/cli/recover-options.ts";
import { RECOVER_SWITCHES, RECOVER_VALUE_FLAGS, readRecoverWords } from "../../src/cli/recover-words.ts";
import { MAX_LAMBDA, MAX_WORKERS } from "../../src/cli/recover-flags.ts";

/** The flags of the command's own option table: those taking a value, and the switches. */
function tableFlags(): { values: string[]; switches: string[] } {
  const { options } = declareRecoverOptions(new Command("recover"));
  const flags = (taking: boolean) =>
    options
      .filter((option) => (option.required || option.optional) === taking)
      .flatMap((option) => [option.long, option.short].filter((flag) => flag !== undefined));
  return { values: flags(true), switches: flags(false) };
}

describe("mother recover's command line, read without commander", () => {
  test("its flags are the option table's: every value option and every switch, long and short, and no other", () => {
    const { values, switches } = tableFlags();
    expect([...RECOVER_VALUE_FLAGS.keys()].sort()).toEqual(values.sort());
    expect([...RECOVER_SWITCHES].sort()).toEqual(switches.sort());
    // The reading below knows required values only: an optional or variadic one reads differently in commander.
    expect(declareRecoverOptions(new Command("recover")).options.some((option) => option.optional || option.variadic)).toBe(false);
  });

  test("paths are the operands alone: option values, in either spelling, are not paths; --index and --workers are seen", () => {
    const words = ["--cache", "c/", "a/", "--out=g.json", "-q", "b/", "--workers", "0", "--", "--odd-name/"];
    expect(readRecoverWords(words)).toEqual({ paths: ["a/", "b/", "--odd-name/"], index: false, workers: true });
    expect(readRecoverWords(["--index", "i/", "-qq", "m/", "-", "-2"])).toEqual({ paths: ["m/", "-", "-2"], index: true, workers: false });
    // A value is the next word whatever it looks like, as commander takes it.
    expect(readRecoverWords(["--out", "--quiet", "a/"])).toEqual({ paths: ["a/"], index: false, workers: false });
  });

  test("an unknown option, --help, a switch given a value or a value option with none reads as undefined", () => {
    for (const words of [["--bogus", "a/"], ["--help"], ["-h"], ["a/", "--out"], ["--quiet=yes", "a/"], ["-qx", "a/"], ["--=x"]]) {
      expect(readRecoverWords(words)).toBeUndefined();
    }
  });

  test("a value its option refuses reads as undefined, in either spelling, as commander refuses the line", () => {
    const refused = [
      ["--stage", "sideways"],
      ["--format", "yaml"],
      ["--workers", "-1"],
      ["--workers", "1.5"],
      ["--trees", "0"],
      ["--trees", "some"],
      ["--lambda", "-0.5"],
      ["--lambda", "NaN"],
      ["--lambda", "1e308"], // past MAX_LAMBDA: the tree's costs would overflow
      ["--workers", String(MAX_WORKERS + 1)], // a VM a thread: 1,000 of them took 15 s and 3.1 GB on 4 models
    ];
    for (const [flag, value] of refused) {
      for (const words of [
        [flag!, value!, "a/"],
        [`${flag}=${value}`, "a/"],
      ]) {
        expect(parseRecoverWords(words)).toBeUndefined();
        expect(readRecoverWords(words)).toBeUndefined();
      }
    }
    expect(readRecoverWords(["--stage", "auto", "--trees", "auto", "--workers", "0", "--lambda=0.5", "--format=hf", "a/"])?.paths).toEqual(["a/"]);
    // Each number's least accepted value (λ = 0 turns the direction prior off; the README's sweep starts there).
    for (const words of [["--lambda", "0"], ["--trees", "1"], ["--workers=0"]]) expect(readRecoverWords([...words, "a/"])?.paths).toEqual(["a/"]);
    // And the largest --lambda (MAX_LAMBDA) and --workers (MAX_WORKERS).
    expect(readRecoverWords([`--lambda=${MAX_LAMBDA}`, "a/"])?.paths).toEqual(["a/"]);
    expect(readRecoverWords([`--workers=${MAX_WORKERS}`, "a/"])?.paths).toEqual(["a/"]);
  });

  test("a line is read here exactly when commander parses it, and both find the same paths, --index and --workers (random lines)", () => {
    const { values, switches } = tableFlags();
    // Words as a user types them: paths (some dash-like), switches, value options in both spellings with plain or dash-like values.
    const path = fc.constantFrom("a/", "b.gguf", "-", "-3", "--", "x=y", "-q", "--out");
    const value = fc.constantFrom("1", "0", "1.5", "auto", "json", "on", "sideways", "g.json", "-1", "--quiet", "c/", "-");
    const word = fc.oneof(
      path.map((p) => [p]),
      fc.constantFrom(...switches, "-qq", "-h", "--help", "--bogus").map((s) => [s]),
      fc.tuple(fc.constantFrom(...values), value).map(([flag, v]) => [flag, v]),
      fc.tuple(fc.constantFrom(...values), value).map(([flag, v]) => [`${flag}=${v}`]),
    );
    let both = 0;
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (parts) => {
        const words = parts.flat();
        const ours = readRecoverWords(words);
        const commanders = parseRecoverWords(words);
        expect(ours === undefined).toBe(commanders === undefined);
        if (ours === undefined || commanders === undefined) return;
        both++;
        expect(ours.paths).toEqual(commanders.paths);
        expect(ours.index).toBe(commanders.options.index !== undefined);
        expect(ours.workers).toBe(commanders.options.workers !== undefined);
      }),
      { numRuns: 2000 },
    );
    // Most lines commander accepts are read here too (not only refusals on both sides).
    expect(both).toBeGreaterThan(200);
  });
});
