import { defineImageTask } from "../image-task.ts";
import type { Rgb } from "../raster/canvas.ts";
import { hsvToRgb, vividColour } from "../raster/colour.ts";
import { type PlacedShape, SHAPE_KINDS, shapeOfKind } from "../raster/shapes.ts";

/** A foreground object that hides part of the background. */
export type ClutterObject = PlacedShape;

/** Generation metadata of a background-hue image. */
export interface BackgroundHueScene {
  /** Background hue in turns; label = floor(hue · 6). */
  readonly hue: number;
  readonly from: Rgb;
  readonly to: Rgb;
  readonly angle: number;
  readonly clutter: readonly ClutterObject[];
  readonly noise: number;
}

const BINS = 6;

/** Scene context: the hue bin of the background behind 3–7 vivid clutter objects of any hue. */
export const backgroundHue = defineImageTask<BackgroundHueScene>({
  name: "background-hue",
  classNames: ["red", "yellow", "green", "cyan", "blue", "magenta"].slice(0, BINS),
  summary: "hue bin (6) of the background behind vivid clutter objects of random hues",
  sampleScene(rng, label, size) {
    const hue = (label + rng.uniform(0.1, 0.9)) / BINS;
    const saturation = rng.uniform(0.35, 0.75);
    const from = hsvToRgb(hue, saturation, rng.uniform(0.45, 0.95));
    const to = hsvToRgb(hue + rng.uniform(-0.02, 0.02), saturation * rng.uniform(0.8, 1.2), rng.uniform(0.45, 0.95));
    const clutter = Array.from({ length: rng.intBetween(3, 7) }, () => {
      const radius = rng.uniform(0.08, 0.16) * size;
      return {
        kind: rng.choice(SHAPE_KINDS),
        cx: rng.uniform(0, size),
        cy: rng.uniform(0, size),
        radius,
        angle: rng.uniform(-0.4, 0.4),
        colour: vividColour(rng),
      };
    });
    return { hue, from, to, angle: rng.uniform(0, 2 * Math.PI), clutter, noise: rng.uniform(0.02, 0.06) };
  },
  renderScene(canvas, scene, rng) {
    canvas.fillGradient(scene.from, scene.to, scene.angle);
    for (const object of scene.clutter) {
      const drawn = shapeOfKind(object.kind, object.cx, object.cy, object.radius, object.angle);
      canvas.paint(drawn.distance, drawn.bounds, object.colour);
    }
    canvas.addNoise(rng, scene.noise);
  },
});
