import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { hsvToRgb } from "../raster/colour.ts";
import { SHAPE_KINDS, type ShapeKind, shapeOfKind } from "../raster/shapes.ts";

/** Generation metadata of a hue image. */
export interface HueScene {
  readonly background: GradientBackground;
  readonly kind: ShapeKind;
  readonly cx: number;
  readonly cy: number;
  readonly radius: number;
  /** Object hue in turns [0, 1); label = floor(hue · 8). */
  readonly hue: number;
  readonly colour: Rgb;
  readonly noise: number;
}

const BINS = 8;

/** Colour naming: the hue bin (8 bins of 45°) of one object on a dull background. */
export const hue = defineImageTask<HueScene>({
  name: "hue",
  classNames: ["red", "orange", "yellow-green", "green", "cyan", "blue", "violet", "magenta"].slice(0, BINS),
  summary: "hue bin (8 x 45 degrees) of one object; saturation, brightness, shape, place vary",
  sampleScene(rng, label, size) {
    const background = sampleDarkBackground(rng);
    const radius = rng.uniform(0.12, 0.28) * size;
    const objectHue = (label + rng.uniform(0.1, 0.9)) / BINS;
    return {
      background,
      kind: rng.choice(SHAPE_KINDS),
      cx: rng.uniform(radius + 1, size - radius - 1),
      cy: rng.uniform(radius + 1, size - radius - 1),
      radius,
      hue: objectHue,
      colour: hsvToRgb(objectHue, rng.uniform(0.6, 1), rng.uniform(0.55, 1)),
      noise: rng.uniform(0.02, 0.06),
    };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, scene.background);
    const drawn = shapeOfKind(scene.kind, scene.cx, scene.cy, scene.radius, 0);
    canvas.paint(drawn.distance, drawn.bounds, scene.colour);
    canvas.addNoise(rng, scene.noise);
  },
});
