import { describe, expect, test } from "bun:test";
import { defineImageTask } from "../../datasets/image-task.ts";

/** A toy task whose image is flat grey at level label/4: easy to check by eye and by code. */
const grey = defineImageTask<{ level: number }>({
  name: "grey-level",
  classNames: ["0", "1", "2", "3", "4"],
  summary: "grey level",
  sampleScene: (_rng, label) => ({ level: label / 4 }),
  renderScene: (canvas, scene) => canvas.fill([scene.level, scene.level, scene.level]),
});

describe("defineImageTask", () => {
  test("normalises pixels with mean 0.5 and std 0.5, so [0, 1] maps to [-1, 1]", () => {
    const batch = grey.generate(1, 5, 4);
    for (let n = 0; n < 5; n++) {
      const expected = ((batch.labels[n] as number) / 4) * 2 - 1;
      for (let i = 0; i < 3 * 16; i++) expect(batch.images[n * 48 + i]).toBeCloseTo(expected, 6);
    }
  });

  test("scenes and render reproduce what generate drew", () => {
    const { labels, scenes } = grey.scenes(3, 7);
    const batch = grey.generate(3, 7);
    expect(Array.from(labels)).toEqual(Array.from(batch.labels));
    scenes.forEach((scene, i) => expect(scene.level).toBe((labels[i] as number) / 4));
    const { canvas, label } = grey.render(3, 6);
    expect(label).toBe(labels[6] as number);
    expect(canvas.at(2, 0, 0) * 2 - 1).toBeCloseTo(batch.images[6 * 3 * 32 * 32] as number, 6);
  });

  test("label order differs between seeds but stays balanced", () => {
    const a = Array.from(grey.generate(1, 20, 2).labels);
    const b = Array.from(grey.generate(2, 20, 2).labels);
    expect(a).not.toEqual(b);
    for (const labels of [a, b]) for (let k = 0; k < 5; k++) expect(labels.filter((l) => l === k).length).toBe(4);
  });
});
