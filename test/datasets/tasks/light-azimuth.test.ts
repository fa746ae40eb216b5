import { expect, test } from "bun:test";
import { lightAzimuth } from "../../../datasets/tasks/light-azimuth.ts";
import { accuracy, canvasOf, luminanceAt } from "./oracles.ts";

test("light-azimuth: the light direction is recoverable from the brightness-weighted centroid of the body", () => {
  const count = 80;
  const batch = lightAzimuth.generate(26, count);
  const { scenes } = lightAzimuth.scenes(26, count);
  const size = batch.size;
  const predicted = scenes.map((scene, n) => {
    const canvas = canvasOf(batch, n);
    let weight = 0;
    let sx = 0;
    let sy = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = (x + 0.5 - scene.cx) / scene.radiusX;
        const v = (y + 0.5 - scene.cy) / scene.radiusY;
        if (u * u + v * v >= 0.9) continue; // body only, away from the anti-aliased rim
        const brightness = luminanceAt(canvas, y * size + x);
        weight += brightness;
        sx += brightness * u;
        sy += brightness * v;
      }
    }
    const angle = (Math.atan2(sy / weight, sx / weight) + 2 * Math.PI) % (2 * Math.PI);
    return Math.floor((angle / (2 * Math.PI)) * 8) % 8;
  });
  expect(accuracy(predicted, batch.labels)).toBeGreaterThanOrEqual(0.95);
});
