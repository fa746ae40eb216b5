import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { brightColour } from "../raster/colour.ts";

/** Generation metadata of a light-azimuth image. */
export interface LightScene {
  readonly background: GradientBackground;
  /** The shaded body: an ellipsoid seen from the front (semi-axes in pixels). */
  readonly cx: number;
  readonly cy: number;
  readonly radiusX: number;
  readonly radiusY: number;
  readonly albedo: Rgb;
  /** Light direction: azimuth in the image plane (radians, 0 = from the right, y down) and elevation above it. */
  readonly azimuth: number;
  readonly elevation: number;
  readonly ambient: number;
  readonly noise: number;
}

const BINS = 8;

/**
 * smallNORB-lighting/azimuth-like: from which of 8 directions a Lambert-shaded ellipsoid
 * is lit. Elevation, ambient light, body shape, colour and place vary.
 */
export const lightAzimuth = defineImageTask<LightScene>({
  name: "light-azimuth",
  classNames: Array.from({ length: BINS }, (_, k) => `light from ${(k * 360) / BINS}-${((k + 1) * 360) / BINS} degrees`),
  summary: "azimuth bin (8) of the light on a shaded ellipsoid; elevation, ambient, shape, colour vary",
  sampleScene(rng, label, size) {
    const radiusX = rng.uniform(0.26, 0.38) * size;
    const radiusY = radiusX * rng.uniform(0.8, 1.2);
    // Near the centre, so the lit side falls on the same patches for the same azimuth.
    return {
      background: sampleDarkBackground(rng),
      cx: size / 2 + rng.uniform(-0.06, 0.06) * size,
      cy: size / 2 + rng.uniform(-0.06, 0.06) * size,
      radiusX,
      radiusY,
      albedo: brightColour(rng),
      azimuth: ((label + rng.uniform(0.1, 0.9)) * 2 * Math.PI) / BINS,
      elevation: rng.uniform(0.2, 0.9),
      ambient: rng.uniform(0.05, 0.3),
      noise: rng.uniform(0.02, 0.05),
    };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, scene.background);
    const { size, pixels, plane } = canvas;
    const lightX = Math.cos(scene.azimuth) * Math.cos(scene.elevation);
    const lightY = Math.sin(scene.azimuth) * Math.cos(scene.elevation);
    const lightZ = Math.sin(scene.elevation);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = (x + 0.5 - scene.cx) / scene.radiusX;
        const v = (y + 0.5 - scene.cy) / scene.radiusY;
        const radial = u * u + v * v;
        if (radial >= 1) continue;
        // Normal of the ellipsoid (semi-axis in depth = radiusX) at this pixel.
        const w = Math.sqrt(1 - radial);
        const nx = u / scene.radiusX;
        const ny = v / scene.radiusY;
        const nz = w / scene.radiusX;
        const length = Math.hypot(nx, ny, nz);
        const lambert = Math.max(0, (nx * lightX + ny * lightY + nz * lightZ) / length);
        const shade = scene.ambient + (1 - scene.ambient) * lambert;
        const index = y * size + x;
        for (let c = 0; c < 3; c++) pixels[c * plane + index] = (scene.albedo[c] as number) * shade;
      }
    }
    canvas.addNoise(rng, scene.noise);
  },
});
