import { describe, expect, test } from "bun:test";
import { drawGlyph, GLYPH_CHARACTERS, GLYPH_HEIGHT, GLYPH_WIDTH, glyphBitmap } from "../../datasets/pixel-font.ts";
import { Canvas } from "../../datasets/raster/canvas.ts";

describe("pixel font", () => {
  test("has all ten digits, each with ink", () => {
    for (let digit = 0; digit <= 9; digit++) expect(GLYPH_CHARACTERS).toContain(String(digit));
    for (const character of GLYPH_CHARACTERS) {
      const bitmap = glyphBitmap(character);
      expect(bitmap.length).toBe(GLYPH_WIDTH * GLYPH_HEIGHT);
      expect(bitmap.reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
    }
  });

  test("every pair of glyphs differs in at least three cells", () => {
    for (const a of GLYPH_CHARACTERS) {
      for (const b of GLYPH_CHARACTERS) {
        if (a >= b) continue;
        const left = glyphBitmap(a);
        const right = glyphBitmap(b);
        let differing = 0;
        for (let i = 0; i < left.length; i++) differing += left[i] === right[i] ? 0 : 1;
        expect({ pair: a + b, differing: differing >= 3 }).toEqual({ pair: a + b, differing: true });
      }
    }
  });

  test("drawing at an integer scale puts full ink exactly on the bitmap's cells", () => {
    const canvas = new Canvas(24);
    canvas.fill([0, 0, 0]);
    drawGlyph(canvas, "8", { x: 2, y: 1, cellWidth: 3, cellHeight: 3, shear: 0 }, [1, 0.5, 0.25]);
    const bitmap = glyphBitmap("8");
    for (let cy = 0; cy < GLYPH_HEIGHT; cy++) {
      for (let cx = 0; cx < GLYPH_WIDTH; cx++) {
        const x = 2 + cx * 3 + 1;
        const y = 1 + cy * 3 + 1;
        expect(canvas.at(0, x, y)).toBeCloseTo(bitmap[cy * GLYPH_WIDTH + cx] as number, 6);
        expect(canvas.at(1, x, y)).toBeCloseTo(0.5 * (bitmap[cy * GLYPH_WIDTH + cx] as number), 6);
      }
    }
    expect(canvas.at(0, 23, 23)).toBe(0); // nothing outside the glyph box
  });

  test("unknown characters are rejected", () => {
    expect(() => glyphBitmap("?")).toThrow();
  });
});
