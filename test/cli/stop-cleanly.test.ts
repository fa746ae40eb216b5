import { describe, expect, test } from "bun:test";
import { ignoredIn } from "../../src/cli/stop-cleanly.ts";

/** A /proc/<pid>/status text around a SigIgn mask (the lines near it as Linux prints them). */
const status = (mask: string) =>
  `Name:\tbun\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t${mask}\nSigCgt:\t0000000000000000\n`;

describe("ignoredIn", () => {
  test("reads SigIgn's hex mask, bit n − 1 for signal n (hand-computed: SIGINT = 2 → 0x2, SIGTERM = 15 → 0x4000)", () => {
    // Bun under a shell's `trap '' INT`, as measured: SIGPIPE (13 → 0x1000) and SIGXFSZ (25 → 0x1000000) too.
    expect(ignoredIn(status("0000000001001002"), "SIGINT")).toBe(true);
    expect(ignoredIn(status("0000000001001002"), "SIGTERM")).toBe(false);
    // Bun started plainly.
    expect(ignoredIn(status("0000000001001000"), "SIGINT")).toBe(false);
    expect(ignoredIn(status("0000000000004000"), "SIGTERM")).toBe(true);
    expect(ignoredIn(status("0000000000004000"), "SIGINT")).toBe(false);
  });

  test("no SigIgn line (another system, or no /proc): nothing counts as ignored, so the handlers are installed", () => {
    expect(ignoredIn("", "SIGINT")).toBe(false);
    expect(ignoredIn("Name:\tbun\n", "SIGTERM")).toBe(false);
  });
});
