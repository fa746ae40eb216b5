import { expect, test } from "bun:test";
import { textBatches, tokensFingerprint } from "../../../datasets/text/text-batches.ts";

/** Token i is i mod 251, so a window's position is readable from its first token. */
const tokens = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);

test("targets are the inputs shifted by one token, from real windows of the corpus", () => {
  for (const batch of textBatches(tokens, 4, 16, 3, 10)) {
    expect(batch.inputs.length).toBe(64);
    for (let b = 0; b < 4; b++) {
      for (let t = 0; t < 16; t++) {
        const input = batch.inputs[b * 16 + t] as number;
        expect(batch.targets[b * 16 + t]).toBe((input + 1) % 251);
        if (t > 0) expect(input).toBe(((batch.inputs[b * 16] as number) + t) % 251);
      }
    }
  }
});

test("the seed fixes the batch order, windows reach the last token, and it stops after the given steps", () => {
  const take = (seed: number) => [...textBatches(tokens, 2, 8, seed, 5)].map((batch) => Array.from(batch.inputs));
  expect(take(1)).toEqual(take(1));
  expect(take(1)).not.toEqual(take(2));
  const tiny = Uint8Array.from([0, 1, 2, 3]);
  const starts = new Set([...textBatches(tiny, 1, 3, 0, 50)].map((batch) => batch.inputs[0]));
  expect([...starts]).toEqual([0]); // the only window with a next token for every position
  const short = [...textBatches(Uint8Array.from([5, 6, 7, 8, 9]), 1, 3, 0, 200)].map((batch) => batch.targets[2]);
  expect(new Set(short)).toEqual(new Set([8, 9]));
  expect(() => textBatches(tiny, 1, 4, 0).next()).toThrow(/shorter than one window/);
});

test("tokensFingerprint changes when any token changes", () => {
  const changed = tokens.slice();
  changed[2500] = 7;
  expect(tokensFingerprint(tokens)).toBe(tokensFingerprint(tokens.slice()));
  expect(tokensFingerprint(changed)).not.toBe(tokensFingerprint(tokens));
  expect(tokensFingerprint(tokens)).toMatch(/^[0-9a-f]{16}$/);
});
