import { defineImageTask } from "../image-task.ts";
import { colourDistance } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { brightColour, darkColour } from "../raster/colour.ts";

/** The texture families, in label order. */
export const TEXTURE_KINDS = ["horizontal-stripes", "vertical-stripes", "diagonal-stripes", "checkerboard", "dots", "blobs"] as const;
/** One of TEXTURE_KINDS. */
export type TextureKind = (typeof TEXTURE_KINDS)[number];

/** Generation metadata of a texture image. */
export interface TextureScene {
  readonly kind: TextureKind;
  /** Pattern period in pixels. */
  readonly period: number;
  /** Rotation jitter of the pattern (radians); diagonal stripes add ±45°. */
  readonly angle: number;
  readonly phaseU: number;
  readonly phaseV: number;
  readonly ink: Rgb;
  readonly paper: Rgb;
  /** Coarse random lattice (side `blobLattice`) interpolated into blobs, for `blobs` only. */
  readonly blobLattice: number;
  readonly blobValues: readonly number[];
  readonly noise: number;
}

/** DTD-like: which texture family covers the image; period, rotation, phase and colours vary. */
export const texture = defineImageTask<TextureScene>({
  name: "texture",
  classNames: TEXTURE_KINDS,
  summary: "texture family (stripes h/v/diagonal, checkerboard, dots, blobs); period, phase, colours vary",
  sampleScene(rng, label, size) {
    const kind = TEXTURE_KINDS[label] as TextureKind;
    const period = rng.uniform(0.12, 0.3) * size;
    const jitter = rng.uniform(-Math.PI / 18, Math.PI / 18);
    const angle = kind === "diagonal-stripes" ? jitter + (rng.bernoulli(0.5) ? Math.PI / 4 : -Math.PI / 4) : jitter;
    // Bright ink on dark paper (see brightColour for why the polarity is fixed).
    const paper = darkColour(rng);
    let ink = brightColour(rng);
    for (let attempt = 0; attempt < 16 && colourDistance(ink, paper) < 0.3; attempt++) ink = brightColour(rng);
    const blobLattice = Math.ceil(size / period) + 2;
    const blobValues = kind === "blobs" ? Array.from({ length: blobLattice * blobLattice }, () => rng.uniform()) : [];
    return { kind, period, angle, phaseU: rng.uniform(), phaseV: rng.uniform(), ink, paper, blobLattice, blobValues, noise: rng.uniform(0.02, 0.07) };
  },
  renderScene(canvas, scene, rng) {
    const { size, pixels, plane } = canvas;
    const cos = Math.cos(scene.angle);
    const sin = Math.sin(scene.angle);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = ((x + 0.5) * cos + (y + 0.5) * sin) / scene.period + scene.phaseU;
        const v = (-(x + 0.5) * sin + (y + 0.5) * cos) / scene.period + scene.phaseV;
        const inked = inkAt(scene, u, v, (x + 0.5) / scene.period, (y + 0.5) / scene.period);
        const colour = inked ? scene.ink : scene.paper;
        const index = y * size + x;
        pixels[index] = colour[0];
        pixels[plane + index] = colour[1];
        pixels[2 * plane + index] = colour[2];
      }
    }
    canvas.addNoise(rng, scene.noise);
  },
});

function inkAt(scene: TextureScene, u: number, v: number, gridX: number, gridY: number): boolean {
  const fraction = (value: number): number => value - Math.floor(value);
  switch (scene.kind) {
    case "horizontal-stripes":
      return fraction(v) < 0.5;
    case "vertical-stripes":
    case "diagonal-stripes":
      return fraction(u) < 0.5;
    case "checkerboard":
      return ((Math.floor(u) + Math.floor(v)) & 1) === 0;
    case "dots":
      return Math.hypot(fraction(u) - 0.5, fraction(v) - 0.5) < 0.28;
    case "blobs":
      return valueNoise(scene.blobValues, scene.blobLattice, gridX, gridY) > 0.5;
  }
}

/** Bilinear interpolation of a square lattice of random values (smooth blobs of about one period). */
function valueNoise(values: readonly number[], lattice: number, x: number, y: number): number {
  const x0 = Math.min(lattice - 2, Math.floor(x));
  const y0 = Math.min(lattice - 2, Math.floor(y));
  const tx = x - x0;
  const ty = y - y0;
  const at = (i: number, j: number): number => values[j * lattice + i] as number;
  const top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * tx;
  const bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * tx;
  return top + (bottom - top) * ty;
}
