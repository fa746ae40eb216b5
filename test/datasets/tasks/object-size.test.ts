import { expect, test } from "bun:test";
import { objectSize, RADIUS_EDGES } from "../../../datasets/tasks/object-size.ts";
import { canvasOf, components, differenceMask } from "./oracles.ts";

test("object-size: the radius lies in the labelled bin, and for each shape the drawn area grows with the label", () => {
  const count = 150;
  const batch = objectSize.generate(32, count);
  const { scenes, labels } = objectSize.scenes(32, count);
  const areasByKind = new Map<string, { label: number; area: number }[]>();
  scenes.forEach((scene, n) => {
    const label = labels[n] as number;
    expect(scene.radius / batch.size).toBeGreaterThanOrEqual(RADIUS_EDGES[label] as number);
    expect(scene.radius / batch.size).toBeLessThan(RADIUS_EDGES[label + 1] as number);
    const area = (components(differenceMask(canvasOf(batch, n), scene.background, 0.22), batch.size)[0] ?? []).length;
    areasByKind.set(scene.kind, [...(areasByKind.get(scene.kind) ?? []), { label, area }]);
  });
  // Within one shape, every larger-label image has more foreground pixels than every smaller-label one two bins down.
  for (const samples of areasByKind.values()) {
    for (const a of samples) for (const b of samples) if (a.label >= b.label + 2) expect(a.area).toBeGreaterThan(b.area);
  }
});
