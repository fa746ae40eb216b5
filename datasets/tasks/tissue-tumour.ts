import { defineImageTask } from "../image-task.ts";
import type { Rgb } from "../raster/canvas.ts";
import { hsvToRgb } from "../raster/colour.ts";
import { ellipse } from "../raster/shapes.ts";

/** One stained nucleus. */
export interface Nucleus {
  readonly cx: number;
  readonly cy: number;
  readonly radiusX: number;
  readonly radiusY: number;
  readonly angle: number;
  readonly colour: Rgb;
}

/** Generation metadata of a tissue-tumour image. */
export interface TissueScene {
  readonly tumour: boolean;
  readonly stroma: Rgb;
  readonly nuclei: readonly Nucleus[];
  readonly noise: number;
}

/**
 * PatchCamelyon-like: does an H&E-coloured patch show tumour (more, larger, darker,
 * more irregular nuclei) or normal tissue? The two distributions overlap on purpose,
 * so no single cue separates them perfectly.
 */
export const tissueTumour = defineImageTask<TissueScene>({
  name: "tissue-tumour",
  classNames: ["normal", "tumour"],
  summary: "normal vs tumour tissue from nucleus count, size, darkness and elongation (overlapping cues)",
  sampleScene(rng, label, size) {
    const tumour = label === 1;
    const stroma = hsvToRgb(rng.uniform(0.88, 0.98), rng.uniform(0.15, 0.4), rng.uniform(0.75, 0.97));
    const count = tumour ? rng.intBetween(12, 32) : rng.intBetween(8, 26);
    const nuclei = Array.from({ length: count }, () => {
      const radius = (tumour ? rng.uniform(0.032, 0.065) : rng.uniform(0.025, 0.055)) * size;
      const elongation = tumour ? rng.uniform(1, 1.8) : rng.uniform(1, 1.3);
      return {
        cx: rng.uniform(0, size),
        cy: rng.uniform(0, size),
        radiusX: radius * elongation,
        radiusY: radius,
        angle: rng.uniform(0, Math.PI),
        colour: hsvToRgb(rng.uniform(0.7, 0.8), rng.uniform(0.35, 0.7), tumour ? rng.uniform(0.25, 0.6) : rng.uniform(0.3, 0.65)),
      };
    });
    return { tumour, stroma, nuclei, noise: rng.uniform(0.02, 0.06) };
  },
  renderScene(canvas, scene, rng) {
    canvas.fill(scene.stroma);
    for (const nucleus of scene.nuclei) {
      const drawn = ellipse(nucleus.cx, nucleus.cy, nucleus.radiusX, nucleus.radiusY, nucleus.angle);
      canvas.paint(drawn.distance, drawn.bounds, nucleus.colour, 0.9);
    }
    canvas.addNoise(rng, scene.noise);
  },
});
