import { expect, test } from "bun:test";
import { rgbToHsv } from "../../../datasets/raster/colour.ts";
import { backgroundHue } from "../../../datasets/tasks/background-hue.ts";
import { accuracy, canvasOf } from "./oracles.ts";

test("background-hue: the background hue bin is the most common hue bin among coloured pixels", () => {
  const count = 60;
  const batch = backgroundHue.generate(29, count);
  const predicted = Array.from({ length: count }, (_, n) => {
    const canvas = canvasOf(batch, n);
    const votes = new Array<number>(6).fill(0);
    for (let i = 0; i < canvas.plane; i++) {
      const [h, s] = rgbToHsv(canvas.pixels[i] as number, canvas.pixels[canvas.plane + i] as number, canvas.pixels[2 * canvas.plane + i] as number);
      const bin = Math.floor(h * 6) % 6;
      if (s > 0.25) votes[bin] = (votes[bin] as number) + 1;
    }
    return votes.indexOf(Math.max(...votes));
  });
  expect(accuracy(predicted, batch.labels)).toBeGreaterThanOrEqual(0.95);
});
