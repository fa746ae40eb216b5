import { expect, test } from "bun:test";
import { DEPTH_EDGES, objectDistance } from "../../../datasets/tasks/object-distance.ts";

test("object-distance: the labelled object is the nearest, in its depth bin, and nearer objects look lower and larger", () => {
  const { scenes, labels } = objectDistance.scenes(31, 100);
  scenes.forEach((scene, n) => {
    const [nearest, ...others] = scene.objects;
    const label = labels[n] as number;
    expect(nearest!.depth).toBeGreaterThanOrEqual(DEPTH_EDGES[label] as number);
    expect(nearest!.depth).toBeLessThan(DEPTH_EDGES[label + 1] as number);
    for (const other of others) {
      expect(other.depth).toBeGreaterThan(nearest!.depth);
      // Perspective: the ground contact row of a farther object is nearer the horizon.
      expect(other.cy + other.radius).toBeLessThan(nearest!.cy + nearest!.radius);
    }
    expect(nearest!.cy + nearest!.radius).toBeGreaterThan(scene.horizon);
  });
});
