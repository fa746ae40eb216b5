import { defineImageTask } from "../image-task.ts";
import type { Rgb } from "../raster/canvas.ts";
import { brightColour, darkColour } from "../raster/colour.ts";

/** Generation metadata of a stripe-frequency image. */
export interface GratingScene {
  /** Period in pixels. */
  readonly period: number;
  readonly angle: number;
  readonly phase: number;
  readonly dark: Rgb;
  readonly light: Rgb;
  /** Fraction of the dark-to-light range the grating spans. */
  readonly contrast: number;
  readonly noise: number;
}

/** Period bin edges as fractions of the image side (at 32 px: 2.6, 3.7, 5.1, 7.4, 10.6 px). */
export const PERIOD_EDGES = [0.08, 0.115, 0.16, 0.23, 0.33] as const;

/** Spatial-frequency discrimination: period bin of a sinusoidal grating at any angle, phase and contrast. */
export const stripeFrequency = defineImageTask<GratingScene>({
  name: "stripe-frequency",
  classNames: PERIOD_EDGES.slice(0, -1).map((low, k) => `period ${low}-${PERIOD_EDGES[k + 1]} of side`),
  summary: "period bin of a sine grating; angle, phase, contrast and colours vary",
  sampleScene(rng, label, size) {
    const low = PERIOD_EDGES[label] as number;
    const high = PERIOD_EDGES[label + 1] as number;
    // Log-uniform inside the central 90% of the bin.
    const logLow = Math.log(low);
    const logHigh = Math.log(high);
    const period = Math.exp(rng.uniform(logLow + 0.05 * (logHigh - logLow), logHigh - 0.05 * (logHigh - logLow))) * size;
    return {
      period,
      angle: rng.uniform(0, Math.PI),
      phase: rng.uniform(0, 2 * Math.PI),
      dark: darkColour(rng),
      light: brightColour(rng),
      contrast: rng.uniform(0.35, 1),
      noise: rng.uniform(0.02, 0.06),
    };
  },
  renderScene(canvas, scene, rng) {
    const { size, pixels, plane } = canvas;
    const cos = Math.cos(scene.angle);
    const sin = Math.sin(scene.angle);
    const frequency = (2 * Math.PI) / scene.period;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const wave = 0.5 + 0.5 * scene.contrast * Math.sin(((x + 0.5) * cos + (y + 0.5) * sin) * frequency + scene.phase);
        const index = y * size + x;
        for (let c = 0; c < 3; c++) pixels[c * plane + index] = (scene.dark[c] as number) + ((scene.light[c] as number) - (scene.dark[c] as number)) * wave;
      }
    }
    canvas.addNoise(rng, scene.noise);
  },
});
