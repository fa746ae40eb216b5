import { expect, test } from "bun:test";
import { rgbToHsv } from "../../../datasets/raster/colour.ts";
import { hue } from "../../../datasets/tasks/hue.ts";
import { accuracy, canvasOf, components, differenceMask, meanColour } from "./oracles.ts";

test("hue: the hue bin is recoverable from the mean colour of the foreground blob", () => {
  const count = 80;
  const batch = hue.generate(24, count);
  const { scenes } = hue.scenes(24, count);
  const predicted = scenes.map((scene, n) => {
    const canvas = canvasOf(batch, n);
    const blob = components(differenceMask(canvas, scene.background, 0.25), batch.size)[0] ?? [];
    const [r, g, b] = meanColour(canvas, blob);
    return Math.floor(rgbToHsv(r, g, b)[0] * 8) % 8;
  });
  expect(accuracy(predicted, batch.labels)).toBeGreaterThanOrEqual(0.97);
});
