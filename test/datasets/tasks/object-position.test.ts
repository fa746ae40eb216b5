import { expect, test } from "bun:test";
import { objectPosition, positionCell } from "../../../datasets/tasks/object-position.ts";
import { accuracy, canvasOf, components, differenceMask } from "./oracles.ts";

test("object-position: the grid cell is recoverable from the centroid of the largest foreground blob", () => {
  const count = 90;
  const batch = objectPosition.generate(22, count);
  const { scenes } = objectPosition.scenes(22, count);
  const predicted = scenes.map((scene, n) => {
    const blob = components(differenceMask(canvasOf(batch, n), scene.background, 0.22), batch.size)[0] ?? [];
    const cx = blob.reduce((sum, i) => sum + (i % batch.size) + 0.5, 0) / blob.length;
    const cy = blob.reduce((sum, i) => sum + Math.floor(i / batch.size) + 0.5, 0) / blob.length;
    return positionCell(cx, cy, batch.size, scene.object.radius);
  });
  expect(accuracy(predicted, batch.labels)).toBeGreaterThanOrEqual(0.97);
});
