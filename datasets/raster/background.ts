import type { Rng } from "../../src/rng.ts";
import type { Canvas, Rgb } from "./canvas.ts";
import { brightColour, darkColour } from "./colour.ts";

/** A two-colour linear gradient: the default backdrop, so no task is solvable from a flat colour. */
export interface GradientBackground {
  readonly from: Rgb;
  readonly to: Rgb;
  /** Direction of the gradient in radians. */
  readonly angle: number;
}

/** Two dark, dull colours at a random angle: the backdrop the bright objects stand out from. */
export function sampleDarkBackground(rng: Rng): GradientBackground {
  const from = darkColour(rng);
  const shift = rng.uniform(-0.1, 0.1);
  const to: Rgb = [
    clamp01(from[0] + shift + rng.normal(0, 0.03)),
    clamp01(from[1] + shift + rng.normal(0, 0.03)),
    clamp01(from[2] + shift + rng.normal(0, 0.03)),
  ];
  return { from, to, angle: rng.uniform(0, 2 * Math.PI) };
}

/** Paint the gradient over the whole canvas. */
export function paintBackground(canvas: Canvas, background: GradientBackground): void {
  canvas.fillGradient(background.from, background.to, background.angle);
}

/** Largest per-channel difference between two colours: how visible one is on the other. */
export function colourDistance(a: Rgb, b: Rgb): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}

/**
 * A bright colour at least `minimumDistance` (per-channel max) from both ends of the
 * background, so objects are always visible; falls back to the best of 32 draws.
 */
export function visibleColour(rng: Rng, background: GradientBackground, minimumDistance = 0.35): Rgb {
  let best: Rgb = brightColour(rng);
  let bestDistance = -1;
  for (let attempt = 0; attempt < 32; attempt++) {
    const candidate = attempt === 0 ? best : brightColour(rng);
    const distance = Math.min(colourDistance(candidate, background.from), colourDistance(candidate, background.to));
    if (distance >= minimumDistance) return candidate;
    if (distance > bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function clamp01(value: number): number {
  return value < 0 ? 0 : Math.min(value, 1);
}
