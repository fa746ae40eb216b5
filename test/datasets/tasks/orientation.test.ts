import { expect, test } from "bun:test";
import { orientation } from "../../../datasets/tasks/orientation.ts";
import { accuracy, canvasOf, components, differenceMask } from "./oracles.ts";

test("orientation: the angle bin is recoverable from the second moments of the largest blob", () => {
  const count = 80;
  const batch = orientation.generate(23, count);
  const { scenes } = orientation.scenes(23, count);
  const predicted = scenes.map((scene, n) => {
    const blob = components(differenceMask(canvasOf(batch, n), scene.background, 0.22), batch.size)[0] ?? [];
    const xs = blob.map((i) => (i % batch.size) + 0.5);
    const ys = blob.map((i) => Math.floor(i / batch.size) + 0.5);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let xx = 0;
    let yy = 0;
    let xy = 0;
    xs.forEach((x, k) => {
      const dx = x - mx;
      const dy = (ys[k] as number) - my;
      xx += dx * dx;
      yy += dy * dy;
      xy += dx * dy;
    });
    const angle = (0.5 * Math.atan2(2 * xy, xx - yy) + Math.PI) % Math.PI;
    return Math.floor((angle / Math.PI) * 8) % 8;
  });
  expect(accuracy(predicted, batch.labels)).toBeGreaterThanOrEqual(0.95);
});
