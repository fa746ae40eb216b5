import { describe, expect, test } from "bun:test";
import { batches } from "../../datasets/batches.ts";

/** 10 images of 2 values each; image i holds [i, -i], label i. */
const dataset = {
  images: Float32Array.from({ length: 20 }, (_, k) => (k % 2 === 0 ? k / 2 : -(k - 1) / 2)),
  labels: Int32Array.from({ length: 10 }, (_, i) => i),
  count: 10,
};

describe("batches", () => {
  test("each epoch visits every image at most once, keeps images with their labels, and drops the remainder", () => {
    const all = [...batches(dataset, 3, 7, { epochs: 2 })];
    expect(all.length).toBe(6); // floor(10 / 3) per epoch
    for (const epoch of [0, 1]) {
      const seen = all.filter((b) => b.epoch === epoch).flatMap((b) => Array.from(b.labels));
      expect(new Set(seen).size).toBe(9);
    }
    for (const batch of all) {
      for (let b = 0; b < 3; b++) {
        expect(batch.images[2 * b]).toBe(batch.labels[b] as number);
        expect(batch.images[2 * b + 1]).toBe(-(batch.labels[b] as number));
      }
    }
    const order = (epoch: number) => all.filter((b) => b.epoch === epoch).flatMap((b) => Array.from(b.labels));
    expect(order(0)).not.toEqual(order(1));
  });

  test("the same seed replays the same order; steps may cross epochs", () => {
    const labelsOf = (seed: number) => [...batches(dataset, 4, seed, { steps: 5 })].map((b) => Array.from(b.labels));
    expect(labelsOf(1)).toEqual(labelsOf(1));
    expect(labelsOf(1)).not.toEqual(labelsOf(2));
    expect([...batches(dataset, 4, 1, { steps: 5 })].map((b) => b.epoch)).toEqual([0, 0, 1, 1, 2]);
  });

  test("without shuffling, batches are zero-copy views in storage order", () => {
    const [first, second] = [...batches(dataset, 4, 0, { steps: 2 }, { shuffle: false })];
    expect(Array.from(second?.labels ?? [])).toEqual([4, 5, 6, 7]);
    expect(first?.images.buffer).toBe(dataset.images.buffer);
  });

  test("rejects a batch larger than the dataset", () => {
    expect(() => [...batches(dataset, 11, 0, { steps: 1 })]).toThrow(/batch size/);
  });
});
