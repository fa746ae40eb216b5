import { expect, test } from "bun:test";
import { SHAPE_KINDS } from "../../../datasets/raster/shapes.ts";
import { shape } from "../../../datasets/tasks/shape.ts";
import { canvasOf, components, differenceMask } from "./oracles.ts";

test("shape: the drawn kind is the label, and rings have a hole while discs do not", () => {
  const count = 120;
  const batch = shape.generate(34, count);
  const { scenes, labels } = shape.scenes(34, count);
  scenes.forEach((scene, n) => {
    expect(scene.kind).toBe(SHAPE_KINDS[labels[n] as number]!);
    if (scene.kind !== "ring" && scene.kind !== "circle") return;
    if (scene.radius < 0.2 * batch.size) return; // small rings' holes are only a pixel or two
    const mask = differenceMask(canvasOf(batch, n), scene.background, 0.22);
    const centre = Math.round(scene.cy - 0.5) * batch.size + Math.round(scene.cx - 0.5);
    expect({ kind: scene.kind, centreInked: mask[centre] === 1 }).toEqual({ kind: scene.kind, centreInked: scene.kind === "circle" });
    expect(components(mask, batch.size).length).toBeGreaterThan(0);
  });
});
