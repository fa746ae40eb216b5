import { expect, test } from "bun:test";
import { lineCount } from "../../../datasets/tasks/line-count.ts";

test("line-count: the scene holds label + 1 lines, pairwise at least 15 degrees apart, all crossing the image", () => {
  const { scenes, labels } = lineCount.scenes(33, 100);
  scenes.forEach((scene, n) => {
    expect(scene.lines.length).toBe((labels[n] as number) + 1);
    const angles = scene.lines.map((line) => Math.atan2(line.y1 - line.y0, line.x1 - line.x0));
    for (let i = 0; i < angles.length; i++) {
      for (let j = i + 1; j < angles.length; j++) {
        const difference = ((((angles[i] as number) - (angles[j] as number)) % Math.PI) + Math.PI) % Math.PI;
        expect(Math.min(difference, Math.PI - difference)).toBeGreaterThanOrEqual(Math.PI / 12 - 1e-9);
      }
    }
  });
});
