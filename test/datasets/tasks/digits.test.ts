import { expect, test } from "bun:test";
import { drawGlyph } from "../../../datasets/pixel-font.ts";
import { paintBackground } from "../../../datasets/raster/background.ts";
import { Canvas } from "../../../datasets/raster/canvas.ts";
import { digits } from "../../../datasets/tasks/digits.ts";
import { accuracy, canvasOf } from "./oracles.ts";

test("digits: the centre digit is recoverable by template matching at its place (neighbours and noise notwithstanding)", () => {
  const count = 60;
  const batch = digits.generate(27, count);
  const { scenes } = digits.scenes(27, count);
  const template = new Canvas(batch.size);
  const predicted = scenes.map((scene, n) => {
    const observed = canvasOf(batch, n);
    let best = -1;
    let bestError = Infinity;
    for (let candidate = 0; candidate <= 9; candidate++) {
      paintBackground(template, scene.background);
      for (const neighbour of scene.neighbours) drawGlyph(template, String(neighbour.digit), neighbour.placement, scene.ink);
      drawGlyph(template, String(candidate), scene.centre.placement, scene.ink);
      let error = 0;
      for (let i = 0; i < template.pixels.length; i++) error += ((template.pixels[i] as number) - (observed.pixels[i] as number)) ** 2;
      if (error < bestError) {
        bestError = error;
        best = candidate;
      }
    }
    return best;
  });
  expect(accuracy(predicted, batch.labels)).toBe(1);
});
