import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground, visibleColour } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { circle, type PlacedShape, SHAPE_KINDS, type ShapeKind, shapeOfKind } from "../raster/shapes.ts";

/** Generation metadata of a shape image. */
export interface ShapeScene extends PlacedShape {
  readonly background: GradientBackground;
  readonly specks: readonly { readonly cx: number; readonly cy: number; readonly colour: Rgb }[];
  readonly noise: number;
}

/** dSprites-shape-like: which of six shapes is drawn, at any place, size, small rotation and colour. */
export const shape = defineImageTask<ShapeScene>({
  name: "shape",
  classNames: SHAPE_KINDS,
  summary: "which shape (circle, square, triangle, cross, ring, diamond); place, size, rotation, colour vary",
  sampleScene(rng, label, size) {
    const background = sampleDarkBackground(rng);
    const radius = rng.uniform(0.12, 0.3) * size;
    return {
      background,
      kind: SHAPE_KINDS[label] as ShapeKind,
      cx: rng.uniform(radius + 1, size - radius - 1),
      cy: rng.uniform(radius + 1, size - radius - 1),
      radius,
      angle: rng.uniform(-Math.PI / 9, Math.PI / 9),
      colour: visibleColour(rng, background),
      specks: Array.from({ length: rng.int(4) }, () => ({ cx: rng.uniform(0, size), cy: rng.uniform(0, size), colour: visibleColour(rng, background, 0.2) })),
      noise: rng.uniform(0.03, 0.08),
    };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, scene.background);
    for (const speck of scene.specks) {
      const dot = circle(speck.cx, speck.cy, canvas.size / 40);
      canvas.paint(dot.distance, dot.bounds, speck.colour);
    }
    const drawn = shapeOfKind(scene.kind, scene.cx, scene.cy, scene.radius, scene.angle);
    canvas.paint(drawn.distance, drawn.bounds, scene.colour);
    canvas.addNoise(rng, scene.noise);
  },
});
