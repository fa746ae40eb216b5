import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeTokens, encodeText, toAscii, VOCAB_SIZE } from "../../../datasets/text/byte-tokenizer.ts";

describe("byte tokenizer", () => {
  test("round-trips any string, including non-ASCII and astral characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => decodeTokens(encodeText(text)) === text),
      { numRuns: 300 },
    );
    expect(decodeTokens(encodeText("naïve 🦙 llama"))).toBe("naïve 🦙 llama");
  });

  test("ids are bytes: below the 256-id vocabulary, one per UTF-8 byte", () => {
    expect(VOCAB_SIZE).toBe(256);
    expect(Array.from(encodeText("Az\n"))).toEqual([65, 122, 10]);
    expect(encodeText("é").length).toBe(2);
    expect(decodeTokens([72, 105])).toBe("Hi");
    expect(() => decodeTokens([256])).toThrow(/outside/);
    expect(() => decodeTokens([-1])).toThrow(/outside/);
  });

  test("toAscii maps typographic punctuation and drops other non-ASCII", () => {
    expect(toAscii("It\u2019s \u201cfine\u201d \u2014 30\u00b0\r\nok\u00e9")).toBe('It\'s "fine" -- 30 degrees\nok');
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => /^[\t\n\x20-\x7e]*$/.test(toAscii(text))));
  });
});
