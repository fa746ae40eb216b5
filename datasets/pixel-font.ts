import type { Canvas, Rgb } from "./raster/canvas.ts";

/**
 * A hand-drawn 5×7 bitmap font (digits 0–9 and hex letters A–F), rendered through an
 * affine map so glyphs can be scaled, sheared and placed at sub-pixel offsets —
 * the raw material of the SVHN-like `digits` task.
 */

/** Glyph grid size in font cells. */
export const GLYPH_WIDTH = 5;
/** Glyph grid size in font cells. */
export const GLYPH_HEIGHT = 7;

const GLYPH_ROWS: Readonly<Record<string, readonly string[]>> = {
  "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
  "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
  "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
  "3": ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
  "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
  "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
  "6": ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
  "7": ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
  "8": [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
  "9": [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
  A: [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
  B: ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
  C: [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
  D: ["###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."],
  E: ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
  F: ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
};

/** The characters the font can draw. */
export const GLYPH_CHARACTERS: readonly string[] = Object.keys(GLYPH_ROWS);

/** A glyph as GLYPH_WIDTH × GLYPH_HEIGHT on/off cells, row-major (1 = ink). */
export function glyphBitmap(character: string): Uint8Array {
  const rows = GLYPH_ROWS[character];
  if (rows === undefined) throw new RangeError(`pixel-font: no glyph for ${JSON.stringify(character)}`);
  const bitmap = new Uint8Array(GLYPH_WIDTH * GLYPH_HEIGHT);
  rows.forEach((row, y) => {
    for (let x = 0; x < GLYPH_WIDTH; x++) bitmap[y * GLYPH_WIDTH + x] = row[x] === "#" ? 1 : 0;
  });
  return bitmap;
}

const BITMAPS = new Map(GLYPH_CHARACTERS.map((character) => [character, glyphBitmap(character)]));

/** Where and how to draw one glyph, in pixels. */
export interface GlyphPlacement {
  /** Top-left corner of the glyph box. */
  readonly x: number;
  readonly y: number;
  /** Size of one font cell in pixels (the glyph is 5·cellWidth × 7·cellHeight). */
  readonly cellWidth: number;
  readonly cellHeight: number;
  /** Horizontal shift per pixel of height (italic slant); 0 is upright. */
  readonly shear: number;
}

/**
 * Draw `character` onto the canvas in `colour`. Coverage is 2×2 supersampled, so thin
 * strokes at small scales stay visible and edges are anti-aliased.
 */
export function drawGlyph(canvas: Canvas, character: string, placement: GlyphPlacement, colour: Rgb): void {
  const bitmap = BITMAPS.get(character);
  if (bitmap === undefined) throw new RangeError(`pixel-font: no glyph for ${JSON.stringify(character)}`);
  const { x, y, cellWidth, cellHeight, shear } = placement;
  const height = GLYPH_HEIGHT * cellHeight;
  const width = GLYPH_WIDTH * cellWidth;
  const slant = Math.abs(shear) * height;
  const x0 = Math.max(0, Math.floor(x - slant));
  const x1 = Math.min(canvas.size - 1, Math.ceil(x + width + slant));
  const y0 = Math.max(0, Math.floor(y));
  const y1 = Math.min(canvas.size - 1, Math.ceil(y + height));
  const [r, g, b] = colour;
  const pixels = canvas.pixels;
  const plane = canvas.plane;
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      let hits = 0;
      for (let sy = 0.25; sy < 1; sy += 0.5) {
        for (let sx = 0.25; sx < 1; sx += 0.5) {
          const localY = py + sy - y;
          // Shear about the glyph's vertical centre so slanting does not shift it sideways.
          const localX = px + sx - x - shear * (localY - height / 2);
          const cellX = Math.floor(localX / cellWidth);
          const cellY = Math.floor(localY / cellHeight);
          if (cellX < 0 || cellY < 0 || cellX >= GLYPH_WIDTH || cellY >= GLYPH_HEIGHT) continue;
          hits += bitmap[cellY * GLYPH_WIDTH + cellX] as number;
        }
      }
      if (hits === 0) continue;
      const alpha = hits / 4;
      const index = py * canvas.size + px;
      pixels[index] = (pixels[index] as number) + (r - (pixels[index] as number)) * alpha;
      pixels[plane + index] = (pixels[plane + index] as number) + (g - (pixels[plane + index] as number)) * alpha;
      pixels[2 * plane + index] = (pixels[2 * plane + index] as number) + (b - (pixels[2 * plane + index] as number)) * alpha;
    }
  }
}
