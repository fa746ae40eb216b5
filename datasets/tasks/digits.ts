import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground, visibleColour } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { drawGlyph, GLYPH_HEIGHT, GLYPH_WIDTH, type GlyphPlacement } from "../pixel-font.ts";

/** One drawn digit. */
export interface DrawnDigit {
  readonly digit: number;
  readonly placement: GlyphPlacement;
}

/** Generation metadata of a digits image. */
export interface DigitsScene {
  readonly background: GradientBackground;
  readonly ink: Rgb;
  /** The labelled, centred digit. */
  readonly centre: DrawnDigit;
  /** Neighbouring digits of a house number, usually cut by the image border. */
  readonly neighbours: readonly DrawnDigit[];
  readonly noise: number;
}

/**
 * SVHN-like: the centred digit of a "house number", drawn with the pixel font at a random
 * scale, aspect, slant and sub-pixel offset, with neighbouring digits partly in view.
 */
export const digits = defineImageTask<DigitsScene>({
  name: "digits",
  classNames: Array.from({ length: 10 }, (_, k) => String(k)),
  summary: "centre digit 0-9 in the pixel font; scale, slant, offset, colours vary; cut-off neighbour digits",
  sampleScene(rng, label, size) {
    const background = sampleDarkBackground(rng);
    const ink = visibleColour(rng, background, 0.4);
    const glyphHeight = rng.uniform(0.45, 0.7) * size;
    const cellHeight = glyphHeight / GLYPH_HEIGHT;
    const cellWidth = cellHeight * rng.uniform(0.75, 1.05);
    const glyphWidth = cellWidth * GLYPH_WIDTH;
    const shear = rng.uniform(-0.22, 0.22);
    const spacing = glyphWidth + cellWidth * rng.uniform(0.6, 1.6);
    const x = (size - glyphWidth) / 2 + rng.uniform(-0.07, 0.07) * size;
    const y = (size - glyphHeight) / 2 + rng.uniform(-0.07, 0.07) * size;
    const at = (digit: number, offset: number): DrawnDigit => ({ digit, placement: { x: x + offset * spacing, y, cellWidth, cellHeight, shear } });
    const neighbours: DrawnDigit[] = [];
    if (rng.bernoulli(0.7)) neighbours.push(at(rng.int(10), -1));
    if (rng.bernoulli(0.7)) neighbours.push(at(rng.int(10), 1));
    return { background, ink, centre: at(label, 0), neighbours, noise: rng.uniform(0.02, 0.08) };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, scene.background);
    for (const drawn of [scene.centre, ...scene.neighbours]) drawGlyph(canvas, String(drawn.digit), drawn.placement, scene.ink);
    canvas.addNoise(rng, scene.noise);
  },
});
