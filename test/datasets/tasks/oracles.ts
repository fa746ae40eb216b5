import { Canvas } from "../../../datasets/raster/canvas.ts";
import { type GradientBackground, paintBackground } from "../../../datasets/raster/background.ts";

/** Brute-force pixel oracles shared by the task tests: they read only pixels (plus label-free geometry). */

/** Max-channel |image − background| > threshold, as a size×size 0/1 mask. */
export function differenceMask(canvas: Canvas, background: GradientBackground, threshold: number): Uint8Array {
  const reference = new Canvas(canvas.size);
  paintBackground(reference, background);
  const mask = new Uint8Array(canvas.plane);
  for (let i = 0; i < canvas.plane; i++) {
    let difference = 0;
    for (let c = 0; c < 3; c++)
      difference = Math.max(difference, Math.abs(clamp(canvas.pixels[c * canvas.plane + i] as number) - (reference.pixels[c * canvas.plane + i] as number)));
    mask[i] = difference > threshold ? 1 : 0;
  }
  return mask;
}

/** 4-connected components of a mask, each as a list of pixel indices, largest first. */
export function components(mask: Uint8Array, size: number): number[][] {
  const seen = new Uint8Array(mask.length);
  const found: number[][] = [];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || seen[start] === 1) continue;
    const pixels: number[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const index = stack.pop() as number;
      pixels.push(index);
      const x = index % size;
      const y = Math.floor(index / size);
      const neighbours = [x > 0 ? index - 1 : -1, x < size - 1 ? index + 1 : -1, y > 0 ? index - size : -1, y < size - 1 ? index + size : -1];
      for (const next of neighbours) {
        if (next >= 0 && mask[next] === 1 && seen[next] === 0) {
          seen[next] = 1;
          stack.push(next);
        }
      }
    }
    found.push(pixels);
  }
  return found.sort((a, b) => b.length - a.length);
}

/** Mean RGB (clamped to [0, 1]) over the given pixel indices. */
export function meanColour(canvas: Canvas, pixels: readonly number[]): [number, number, number] {
  const sums = [0, 0, 0];
  for (const index of pixels) for (let c = 0; c < 3; c++) sums[c] = (sums[c] as number) + clamp(canvas.pixels[c * canvas.plane + index] as number);
  return [(sums[0] as number) / pixels.length, (sums[1] as number) / pixels.length, (sums[2] as number) / pixels.length];
}

/** Luminance of pixel i, clamped. */
export function luminanceAt(canvas: Canvas, index: number): number {
  const p = canvas.pixels;
  return 0.2126 * clamp(p[index] as number) + 0.7152 * clamp(p[canvas.plane + index] as number) + 0.0722 * clamp(p[2 * canvas.plane + index] as number);
}

/** Fraction of `predicted` equal to `labels`. */
export function accuracy(predicted: readonly number[], labels: ArrayLike<number>): number {
  let right = 0;
  predicted.forEach((value, i) => (right += value === labels[i] ? 1 : 0));
  return right / predicted.length;
}

function clamp(value: number): number {
  return value < 0 ? 0 : Math.min(value, 1);
}

/** Image n of a generated batch back on a canvas, de-normalised to [0, 1]. */
export function canvasOf(batch: { images: Float32Array; size: number }, n: number): Canvas {
  const canvas = new Canvas(batch.size);
  const stride = 3 * canvas.plane;
  for (let i = 0; i < stride; i++) canvas.pixels[i] = ((batch.images[n * stride + i] as number) + 1) / 2;
  return canvas;
}
