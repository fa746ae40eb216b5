import { describe, expect, test } from "bun:test";
import { formatBytes, formatDuration } from "../../src/ui/format-units.ts";

describe("formatBytes", () => {
  test("counts bytes below 1 KiB as plain bytes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
  });

  test("uses binary units with two decimals below 10 and one above", () => {
    expect(formatBytes(1024)).toBe("1.00 KiB");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(20 * 1024 * 1024)).toBe("20.0 MiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.00 GiB");
  });

  test("stops at TiB for very large counts", () => {
    expect(formatBytes(2048 * 1024 ** 4)).toBe("2048.0 TiB");
  });
});

describe("formatDuration", () => {
  test("shows milliseconds below one second", () => {
    expect(formatDuration(850.4)).toBe("850 ms");
  });

  test("shows seconds with one decimal below one minute", () => {
    expect(formatDuration(12_345)).toBe("12.3 s");
  });

  test("shows minutes and padded seconds below one hour", () => {
    expect(formatDuration(245_000)).toBe("4m05s");
  });

  test("shows hours and padded minutes from one hour", () => {
    expect(formatDuration(3_720_000)).toBe("1h02m");
  });

  test("answers ? for a duration that is not finite", () => {
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("?");
    expect(formatDuration(Number.NaN)).toBe("?");
  });
});
