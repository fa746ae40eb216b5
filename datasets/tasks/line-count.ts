import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground, visibleColour } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { segment } from "../raster/shapes.ts";

/** One line crossing the image, between two border points (pixels). */
export interface CrossingLine {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly thickness: number;
  readonly colour: Rgb;
}

/** Generation metadata of a line-count image. */
export interface LineScene {
  readonly background: GradientBackground;
  readonly lines: readonly CrossingLine[];
  readonly noise: number;
}

const MAX_LINES = 5;

/** Counting thin structures: how many straight lines (1–5) cross the image; lines may intersect. */
export const lineCount = defineImageTask<LineScene>({
  name: "line-count",
  classNames: Array.from({ length: MAX_LINES }, (_, k) => `${k + 1} lines`),
  summary: "number of straight lines (1-5) crossing the image; angles, offsets, thickness, colours vary",
  sampleScene(rng, label, size) {
    const background = sampleDarkBackground(rng);
    const lines: CrossingLine[] = [];
    for (let k = 0; k <= label; k++) {
      // A line through a random interior point at a random angle, clipped generously by the canvas.
      // Angles at least 15° apart (mod 180°) so no two lines can hide in one another.
      let angle = rng.uniform(0, Math.PI);
      for (let attempt = 0; attempt < 100 && lines.some((other) => angleGap(other, angle) < Math.PI / 12); attempt++) angle = rng.uniform(0, Math.PI);
      const px = rng.uniform(0.2, 0.8) * size;
      const py = rng.uniform(0.2, 0.8) * size;
      const reach = size * 1.5;
      lines.push({
        x0: px - Math.cos(angle) * reach,
        y0: py - Math.sin(angle) * reach,
        x1: px + Math.cos(angle) * reach,
        y1: py + Math.sin(angle) * reach,
        thickness: rng.uniform(0.035, 0.07) * size,
        colour: visibleColour(rng, background),
      });
    }
    return { background, lines, noise: rng.uniform(0.02, 0.06) };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, scene.background);
    for (const line of scene.lines) {
      const drawn = segment(line.x0, line.y0, line.x1, line.y1, line.thickness);
      canvas.paint(drawn.distance, drawn.bounds, line.colour);
    }
    canvas.addNoise(rng, scene.noise);
  },
});

function angleGap(line: CrossingLine, angle: number): number {
  const existing = Math.atan2(line.y1 - line.y0, line.x1 - line.x0);
  const difference = (((existing - angle) % Math.PI) + Math.PI) % Math.PI;
  return Math.min(difference, Math.PI - difference);
}
