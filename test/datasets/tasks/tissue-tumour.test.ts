import { expect, test } from "bun:test";
import { tissueTumour } from "../../../datasets/tasks/tissue-tumour.ts";
import { canvasOf, luminanceAt } from "./oracles.ts";

test("tissue-tumour: dark nucleus area separates the classes well but, by design, not perfectly", () => {
  const count = 200;
  const batch = tissueTumour.generate(36, count);
  const darkFractions = Array.from({ length: count }, (_, n) => {
    const canvas = canvasOf(batch, n);
    let dark = 0;
    for (let i = 0; i < canvas.plane; i++) dark += luminanceAt(canvas, i) < 0.4 ? 1 : 0;
    return dark / canvas.plane;
  });
  // Best single threshold on the dark fraction (brute force over observed values).
  let bestAccuracy = 0;
  for (const threshold of darkFractions) {
    let right = 0;
    darkFractions.forEach((fraction, n) => (right += (fraction >= threshold ? 1 : 0) === batch.labels[n] ? 1 : 0));
    bestAccuracy = Math.max(bestAccuracy, right / count);
  }
  expect(bestAccuracy).toBeGreaterThan(0.75);
  expect(bestAccuracy).toBeLessThan(1);
});
