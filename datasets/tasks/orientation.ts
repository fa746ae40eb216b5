import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground, visibleColour } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { box, circle } from "../raster/shapes.ts";

/** Generation metadata of an orientation image. */
export interface OrientationScene {
  readonly background: GradientBackground;
  readonly cx: number;
  readonly cy: number;
  readonly halfLength: number;
  readonly halfWidth: number;
  /** Bar angle in radians, in [0, π) (a bar looks the same turned by π). */
  readonly angle: number;
  readonly colour: Rgb;
  readonly specks: readonly { readonly cx: number; readonly cy: number; readonly radius: number; readonly colour: Rgb }[];
  readonly noise: number;
}

const BINS = 8;

/** dSprites-orientation-like: angle of a bar, in 8 bins of 22.5° over [0°, 180°). */
export const orientation = defineImageTask<OrientationScene>({
  name: "orientation",
  classNames: Array.from({ length: BINS }, (_, k) => `${(k * 180) / BINS}-${((k + 1) * 180) / BINS} degrees`),
  summary: "angle of one bar in 8 bins over 180 degrees; bar length, width, place vary; round specks",
  sampleScene(rng, label, size) {
    const background = sampleDarkBackground(rng);
    const halfLength = rng.uniform(0.2, 0.34) * size;
    const halfWidth = rng.uniform(0.04, 0.08) * size;
    const margin = halfLength + 1;
    const angle = ((label + rng.uniform(0.08, 0.92)) * Math.PI) / BINS;
    const specks = Array.from({ length: rng.int(4) }, () => ({
      cx: rng.uniform(0, size),
      cy: rng.uniform(0, size),
      radius: rng.uniform(0.02, 0.05) * size,
      colour: visibleColour(rng, background, 0.2),
    }));
    return {
      background,
      cx: rng.uniform(margin, size - margin),
      cy: rng.uniform(margin, size - margin),
      halfLength,
      halfWidth,
      angle,
      colour: visibleColour(rng, background),
      specks,
      noise: rng.uniform(0.02, 0.06),
    };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, scene.background);
    for (const speck of scene.specks) {
      const dot = circle(speck.cx, speck.cy, speck.radius);
      canvas.paint(dot.distance, dot.bounds, speck.colour);
    }
    const bar = box(scene.cx, scene.cy, scene.halfLength, scene.halfWidth, scene.angle);
    canvas.paint(bar.distance, bar.bounds, scene.colour);
    canvas.addNoise(rng, scene.noise);
  },
});
