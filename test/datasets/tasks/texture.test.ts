import { expect, test } from "bun:test";
import { TEXTURE_KINDS, texture } from "../../../datasets/tasks/texture.ts";
import { canvasOf } from "./oracles.ts";

test("texture: stripes change across their direction only, so vertical vs horizontal gradient energy tells horizontal from vertical stripes", () => {
  const count = 60;
  const batch = texture.generate(35, count);
  const { scenes, labels } = texture.scenes(35, count);
  const size = batch.size;
  scenes.forEach((scene, n) => {
    expect(scene.kind).toBe(TEXTURE_KINDS[labels[n] as number]!);
    if (scene.kind !== "horizontal-stripes" && scene.kind !== "vertical-stripes") return;
    const canvas = canvasOf(batch, n);
    // Mean absolute change between vertical neighbours vs between horizontal neighbours,
    // summed over channels (ink and paper may share a luminance but never all channels).
    let vertical = 0;
    let across = 0;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < size - 1; y++) {
        for (let x = 0; x < size - 1; x++) {
          const here = canvas.at(c, x, y);
          vertical += Math.abs(canvas.at(c, x, y + 1) - here);
          across += Math.abs(canvas.at(c, x + 1, y) - here);
        }
      }
    }
    const horizontal = vertical > across;
    expect({ kind: scene.kind, horizontal }).toEqual({ kind: scene.kind, horizontal: scene.kind === "horizontal-stripes" });
  });
});
