import { describe, expect, test } from "bun:test";
import { InvalidArgumentError } from "commander";
import { atLeast, numberList, settingsOf, splitName, wholeNumber } from "../../src/harness/experiment-cli.ts";

describe("command-line parsers", () => {
  test("accept what they promise and reject the rest with commander's error", () => {
    expect(wholeNumber("0")).toBe(0);
    expect(atLeast(2)("3")).toBe(3);
    expect(numberList("0, 0.1,2")).toEqual([0, 0.1, 2]);
    expect(splitName("lora-v")).toBe("lora-v");
    for (const bad of [
      () => wholeNumber("1.5"),
      () => wholeNumber("-1"),
      () => atLeast(2)("1"),
      () => numberList("0,x"),
      () => numberList("-1"),
      () => splitName("lora"),
    ]) {
      expect(bad).toThrow(InvalidArgumentError);
    }
  });
});

describe("settingsOf", () => {
  const preset = { samples: 10, seed: 7, sizes: [10, 21] as readonly number[], rootClosed: false };
  test("lays given values over the preset and keeps the preset where an option was left out", () => {
    expect(settingsOf(preset, { samples: 3, seed: undefined, rootClosed: true })).toEqual({ samples: 3, seed: 7, sizes: [10, 21], rootClosed: true });
  });
  test("keeps falsy values that were given (0, false)", () => {
    expect(settingsOf({ ...preset, rootClosed: true }, { seed: 0, rootClosed: false })).toMatchObject({ seed: 0, rootClosed: false });
  });
});
