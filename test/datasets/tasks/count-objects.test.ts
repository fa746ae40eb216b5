import { expect, test } from "bun:test";
import { countObjects } from "../../../datasets/tasks/count-objects.ts";
import { accuracy, canvasOf, components, differenceMask } from "./oracles.ts";

test("count-objects: the object count is recoverable by counting blobs that differ from the background", () => {
  const count = 120;
  const batch = countObjects.generate(21, count);
  const { scenes, labels } = countObjects.scenes(21, count);
  const predicted = scenes.map((scene, n) => {
    expect(scene.objects.length).toBe((labels[n] as number) + 1);
    const mask = differenceMask(canvasOf(batch, n), scene.background, 0.22);
    return components(mask, batch.size).filter((blob) => blob.length >= 3).length - 1;
  });
  expect(accuracy(predicted, batch.labels)).toBeGreaterThanOrEqual(0.97);
});
