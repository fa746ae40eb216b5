import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground, visibleColour } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { circle, SHAPE_KINDS, type ShapeKind, shapeOfKind } from "../raster/shapes.ts";

/** Generation metadata of an object-size image. */
export interface SizeScene {
  readonly background: GradientBackground;
  readonly kind: ShapeKind;
  readonly cx: number;
  readonly cy: number;
  /** Circumradius in pixels. */
  readonly radius: number;
  readonly colour: Rgb;
  readonly specks: readonly { readonly cx: number; readonly cy: number; readonly colour: Rgb }[];
  readonly noise: number;
}

/** Circumradius bin edges as fractions of the image side. */
export const RADIUS_EDGES = [0.06, 0.1, 0.15, 0.21, 0.28, 0.38] as const;

/** dSprites-scale-like: size bin of one object of any of the six shapes. */
export const objectSize = defineImageTask<SizeScene>({
  name: "object-size",
  classNames: RADIUS_EDGES.slice(0, -1).map((low, k) => `radius ${low}-${RADIUS_EDGES[k + 1]} of side`),
  summary: "size bin (5) of one object; shape, place, colour vary, shapes differ in area at equal size",
  sampleScene(rng, label, size) {
    const background = sampleDarkBackground(rng);
    const low = RADIUS_EDGES[label] as number;
    const high = RADIUS_EDGES[label + 1] as number;
    const radius = rng.uniform(low + 0.08 * (high - low), high - 0.08 * (high - low)) * size;
    return {
      background,
      kind: rng.choice(SHAPE_KINDS),
      cx: rng.uniform(radius + 1, size - radius - 1),
      cy: rng.uniform(radius + 1, size - radius - 1),
      radius,
      colour: visibleColour(rng, background),
      specks: Array.from({ length: rng.int(4) }, () => ({ cx: rng.uniform(0, size), cy: rng.uniform(0, size), colour: visibleColour(rng, background, 0.2) })),
      noise: rng.uniform(0.02, 0.06),
    };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, scene.background);
    for (const speck of scene.specks) {
      const dot = circle(speck.cx, speck.cy, canvas.size / 40);
      canvas.paint(dot.distance, dot.bounds, speck.colour);
    }
    const drawn = shapeOfKind(scene.kind, scene.cx, scene.cy, scene.radius, 0);
    canvas.paint(drawn.distance, drawn.bounds, scene.colour);
    canvas.addNoise(rng, scene.noise);
  },
});
