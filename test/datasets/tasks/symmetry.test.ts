import { expect, test } from "bun:test";
import { symmetry } from "../../../datasets/tasks/symmetry.ts";
import { accuracy, canvasOf } from "./oracles.ts";

test("symmetry: the mirror axis is recoverable by comparing the image with its flips", () => {
  const count = 90;
  const batch = symmetry.generate(25, count);
  const size = batch.size;
  const predicted = Array.from({ length: count }, (_, n) => {
    const canvas = canvasOf(batch, n);
    let leftRight = 0;
    let topBottom = 0;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const value = canvas.at(c, x, y);
          leftRight += Math.abs(value - canvas.at(c, size - 1 - x, y));
          topBottom += Math.abs(value - canvas.at(c, x, size - 1 - y));
        }
      }
    }
    const pixels = 3 * size * size;
    const best = Math.min(leftRight, topBottom) / pixels;
    if (best > 0.064) return 0; // a true mirror leaves only noise: mean |n1 − n2| ≤ 1.13 σ ≤ 0.057
    return leftRight < topBottom ? 1 : 2;
  });
  expect(accuracy(predicted, batch.labels)).toBeGreaterThanOrEqual(0.95);
});
