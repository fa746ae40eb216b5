import { expect, test } from "bun:test";
import { PERIOD_EDGES, stripeFrequency } from "../../../datasets/tasks/stripe-frequency.ts";
import { accuracy, canvasOf, luminanceAt } from "./oracles.ts";

test("stripe-frequency: the period bin is recoverable from the strongest Fourier component of the luminance", () => {
  const count = 24;
  const batch = stripeFrequency.generate(28, count);
  const size = batch.size;
  const predicted = Array.from({ length: count }, (_, n) => {
    const canvas = canvasOf(batch, n);
    const lum = Array.from({ length: size * size }, (_, i) => luminanceAt(canvas, i));
    const mean = lum.reduce((a, b) => a + b, 0) / lum.length;
    let bestPower = -1;
    let bestPeriod = 0;
    // Brute-force search over angle (5° steps) and log-spaced period; e^{i(ax+by)} is
    // separable, so each candidate costs one complex product per pixel.
    const rowRe = new Float64Array(size);
    const rowIm = new Float64Array(size);
    const colRe = new Float64Array(size);
    const colIm = new Float64Array(size);
    for (let a = 0; a < 36; a++) {
      const cos = Math.cos((a * Math.PI) / 36);
      const sin = Math.sin((a * Math.PI) / 36);
      for (let p = 0; p < 48; p++) {
        const period = size * 0.07 * Math.exp((p / 47) * Math.log(0.36 / 0.07));
        const w = (2 * Math.PI) / period;
        for (let k = 0; k < size; k++) {
          colRe[k] = Math.cos((k + 0.5) * cos * w);
          colIm[k] = Math.sin((k + 0.5) * cos * w);
          rowRe[k] = Math.cos((k + 0.5) * sin * w);
          rowIm[k] = Math.sin((k + 0.5) * sin * w);
        }
        let re = 0;
        let im = 0;
        for (let y = 0; y < size; y++) {
          let lineRe = 0;
          let lineIm = 0;
          for (let x = 0; x < size; x++) {
            const value = (lum[y * size + x] as number) - mean;
            lineRe += value * (colRe[x] as number);
            lineIm += value * (colIm[x] as number);
          }
          re += lineRe * (rowRe[y] as number) - lineIm * (rowIm[y] as number);
          im += lineRe * (rowIm[y] as number) + lineIm * (rowRe[y] as number);
        }
        const power = re * re + im * im;
        if (power > bestPower) {
          bestPower = power;
          bestPeriod = period / size;
        }
      }
    }
    return PERIOD_EDGES.findIndex((edge, k) => bestPeriod >= edge && bestPeriod < (PERIOD_EDGES[k + 1] ?? Infinity));
  });
  expect(accuracy(predicted, batch.labels)).toBeGreaterThanOrEqual(0.9);
});
