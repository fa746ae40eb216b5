import { defineImageTask } from "../image-task.ts";
import type { Rgb } from "../raster/canvas.ts";
import { brightColour, hsvToRgb } from "../raster/colour.ts";
import { SHAPE_KINDS, type ShapeKind, shapeOfKind } from "../raster/shapes.ts";

/** One object standing on the ground plane at `depth` (camera distance units). */
export interface GroundObject {
  readonly kind: ShapeKind;
  readonly depth: number;
  readonly cx: number;
  readonly cy: number;
  readonly radius: number;
  readonly colour: Rgb;
}

/** Generation metadata of an object-distance image. */
export interface DistanceScene {
  readonly horizon: number;
  readonly sky: Rgb;
  readonly groundNear: Rgb;
  readonly groundFar: Rgb;
  /** Drawn far to near; objects[0] is the nearest (the labelled one). */
  readonly objects: readonly GroundObject[];
  readonly noise: number;
}

/** Depth bin edges (camera distance units); the label is the bin of the nearest object. */
export const DEPTH_EDGES = [1, 1.6, 2.4, 3.5, 5, 7] as const;

/**
 * CLEVR-distance-like: depth bin of the nearest object on a ground plane. Perspective
 * ties apparent size and height to depth, but object sizes vary ±25% so neither cue
 * alone is exact, and farther distractor objects share the scene.
 */
export const objectDistance = defineImageTask<DistanceScene>({
  name: "object-distance",
  classNames: DEPTH_EDGES.slice(0, -1).map((low, k) => `depth ${low}-${DEPTH_EDGES[k + 1]}`),
  summary: "depth bin of the nearest object on a perspective ground plane; farther distractors",
  sampleScene(rng, label, size) {
    const horizon = rng.uniform(0.25, 0.4) * size;
    const groundHue = rng.uniform();
    // A dim scene (night-like) so the bright objects stand out; see brightColour.
    const sky = hsvToRgb(rng.uniform(0.5, 0.7), rng.uniform(0.1, 0.4), rng.uniform(0.2, 0.45));
    const groundNear = hsvToRgb(groundHue, rng.uniform(0.1, 0.3), rng.uniform(0.05, 0.25));
    const groundFar = hsvToRgb(groundHue, rng.uniform(0.05, 0.2), rng.uniform(0.15, 0.35));
    const low = DEPTH_EDGES[label] as number;
    const high = DEPTH_EDGES[label + 1] as number;
    const placeAt = (depth: number): GroundObject => {
      // Pinhole camera: ground contact row = horizon + f·h/depth; size = f·R/depth.
      const contact = horizon + ((size - horizon) * 0.95) / depth;
      const radius = (0.2 * size * rng.uniform(0.75, 1.25)) / depth;
      return { kind: rng.choice(SHAPE_KINDS), depth, cx: rng.uniform(radius, size - radius), cy: contact - radius, radius, colour: brightColour(rng) };
    };
    const nearest = placeAt(rng.uniform(low + 0.05 * (high - low), high - 0.05 * (high - low)));
    const distractors = Array.from({ length: rng.int(3) }, () => placeAt(rng.uniform(nearest.depth + 0.3, 9)));
    const objects = [nearest, ...distractors];
    return { horizon, sky, groundNear, groundFar, objects, noise: rng.uniform(0.02, 0.05) };
  },
  renderScene(canvas, scene, rng) {
    const { size } = canvas;
    for (let y = 0; y < size; y++) {
      const t = (y + 0.5 - scene.horizon) / (size - scene.horizon);
      const colour =
        t < 0 ? scene.sky : [0, 1, 2].map((c) => (scene.groundFar[c] as number) + ((scene.groundNear[c] as number) - (scene.groundFar[c] as number)) * t);
      for (let c = 0; c < 3; c++) canvas.pixels.fill(colour[c] as number, c * canvas.plane + y * size, c * canvas.plane + (y + 1) * size);
    }
    for (let k = scene.objects.length - 1; k >= 0; k--) {
      const object = scene.objects[k] as GroundObject;
      const shape = shapeOfKind(object.kind, object.cx, object.cy, object.radius, 0);
      canvas.paint(shape.distance, shape.bounds, object.colour);
    }
    canvas.addNoise(rng, scene.noise);
  },
});
