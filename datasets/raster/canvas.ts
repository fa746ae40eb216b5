import type { Rng } from "../../src/rng.ts";

/** An RGB colour with channels in [0, 1]. */
export type Rgb = readonly [number, number, number];

/**
 * Signed distance in pixels from a point to a shape's edge: negative inside.
 * Only the band |d| < 1 must be accurate (it sets the anti-aliased edge).
 */
export type SignedDistance = (x: number, y: number) => number;

/** Axis-aligned pixel-space bounds of a shape (inclusive of its anti-aliased edge). */
export interface Bounds {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/**
 * A square RGB drawing surface, planar (CHW) so a finished image copies straight into
 * an NCHW batch. Pixel (i, j) covers [i, i+1) × [j, j+1); its centre is (i+0.5, j+0.5).
 * Values are nominally in [0, 1]; `writeNormalised` clamps before normalising.
 */
export class Canvas {
  /** Planar RGB: red plane, then green, then blue; each `size × size`, row-major. */
  readonly pixels: Float32Array;
  readonly plane: number;

  constructor(readonly size: number) {
    this.plane = size * size;
    this.pixels = new Float32Array(3 * this.plane);
  }

  /** Fill every pixel with one colour. */
  fill(colour: Rgb): void {
    this.pixels.fill(colour[0], 0, this.plane);
    this.pixels.fill(colour[1], this.plane, 2 * this.plane);
    this.pixels.fill(colour[2], 2 * this.plane);
  }

  /** Linear gradient from `from` to `to` along direction `angle` (radians) across the image. */
  fillGradient(from: Rgb, to: Rgb, angle: number): void {
    const dx = Math.cos(angle);
    const dy = Math.sin(angle);
    const half = this.size / 2;
    const reach = half * (Math.abs(dx) + Math.abs(dy)); // projection of a corner
    for (let y = 0; y < this.size; y++) {
      for (let x = 0; x < this.size; x++) {
        const along = ((x + 0.5 - half) * dx + (y + 0.5 - half) * dy) / (2 * reach) + 0.5;
        const index = y * this.size + x;
        for (let c = 0; c < 3; c++) {
          this.pixels[c * this.plane + index] = (from[c] as number) + ((to[c] as number) - (from[c] as number)) * along;
        }
      }
    }
  }

  /**
   * Paint a shape given by its signed distance, anti-aliased by one pixel of edge
   * (coverage = clamp(0.5 − d, 0, 1)), blended over what is there with `opacity`.
   */
  paint(distance: SignedDistance, bounds: Bounds, colour: Rgb, opacity = 1): void {
    const x0 = Math.max(0, Math.floor(bounds.minX - 1));
    const y0 = Math.max(0, Math.floor(bounds.minY - 1));
    const x1 = Math.min(this.size - 1, Math.ceil(bounds.maxX + 1));
    const y1 = Math.min(this.size - 1, Math.ceil(bounds.maxY + 1));
    const [r, g, b] = colour;
    const pixels = this.pixels;
    const plane = this.plane;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const coverage = 0.5 - distance(x + 0.5, y + 0.5);
        if (coverage <= 0) continue;
        const alpha = Math.min(coverage, 1) * opacity;
        const index = y * this.size + x;
        pixels[index] = (pixels[index] as number) + (r - (pixels[index] as number)) * alpha;
        pixels[plane + index] = (pixels[plane + index] as number) + (g - (pixels[plane + index] as number)) * alpha;
        pixels[2 * plane + index] = (pixels[2 * plane + index] as number) + (b - (pixels[2 * plane + index] as number)) * alpha;
      }
    }
  }

  /**
   * Add independent Gaussian noise of standard deviation `std` to every channel value.
   * Samples come from a fixed table of 4096 standard-normal quantiles indexed by the
   * stream (≈ 30× faster than Box–Muller per value; the quantisation is far below the
   * 1/255 level of any real image).
   */
  addNoise(rng: Rng, std: number): void {
    if (std <= 0) return;
    const pixels = this.pixels;
    for (let i = 0; i < pixels.length; i += 2) {
      const bits = rng.nextUint32();
      pixels[i] = (pixels[i] as number) + std * (NORMAL_QUANTILES[bits & 4095] as number);
      if (i + 1 < pixels.length) pixels[i + 1] = (pixels[i + 1] as number) + std * (NORMAL_QUANTILES[(bits >>> 12) & 4095] as number);
    }
  }

  /** Read one channel value (for oracles and tests). */
  at(channel: number, x: number, y: number): number {
    return this.pixels[channel * this.plane + y * this.size + x] as number;
  }

  /**
   * Copy into `out` at `offset`, clamped to [0, 1] then normalised with mean 0.5 and
   * std 0.5 per channel, i.e. mapped to [−1, 1]: what the models see.
   */
  writeNormalised(out: Float32Array, offset: number): void {
    const pixels = this.pixels;
    for (let i = 0; i < pixels.length; i++) {
      const value = pixels[i] as number;
      const clamped = value < 0 ? 0 : Math.min(value, 1);
      out[offset + i] = clamped * 2 - 1;
    }
  }
}

/** Standard-normal quantiles at the midpoints of 4096 equal-probability bins (inverse CDF). */
const NORMAL_QUANTILES: Float32Array = (() => {
  const table = new Float32Array(4096);
  for (let k = 0; k < table.length; k++) table[k] = inverseNormalCdf((k + 0.5) / table.length);
  return table;
})();

/** Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9). */
function inverseNormalCdf(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}
