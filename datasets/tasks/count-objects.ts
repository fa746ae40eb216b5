import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground, visibleColour } from "../raster/background.ts";
import { placeApart } from "../raster/placement.ts";
import { type PlacedShape, SHAPE_KINDS, shapeOfKind } from "../raster/shapes.ts";

/** One object of a counting scene, in pixels. */
export type PlacedObject = PlacedShape;

/** Generation metadata of a count-objects image. */
export interface CountScene {
  readonly background: GradientBackground;
  readonly objects: readonly PlacedObject[];
  readonly noise: number;
}

const MAX_COUNT = 6;

/** CLEVR-count-like: how many objects (1–6) of mixed shapes, sizes and colours are in the image. */
export const countObjects = defineImageTask<CountScene>({
  name: "count-objects",
  classNames: Array.from({ length: MAX_COUNT }, (_, k) => `${k + 1} objects`),
  summary: "number of objects (1-6); shapes, sizes and colours vary, objects never touch",
  sampleScene(rng, label, size) {
    const background = sampleDarkBackground(rng);
    const radii = Array.from({ length: label + 1 }, () => rng.uniform(0.06, 0.11) * size);
    const footprints = placeApart(rng, radii, size, Math.max(2, size / 16));
    const objects = footprints.map((footprint) => ({
      ...footprint,
      kind: rng.choice(SHAPE_KINDS),
      angle: rng.uniform(-Math.PI / 8, Math.PI / 8),
      colour: visibleColour(rng, background),
    }));
    return { background, objects, noise: rng.uniform(0.02, 0.06) };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, scene.background);
    for (const object of scene.objects) {
      const shape = shapeOfKind(object.kind, object.cx, object.cy, object.radius, object.angle);
      canvas.paint(shape.distance, shape.bounds, object.colour);
    }
    canvas.addNoise(rng, scene.noise);
  },
});
