import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground, visibleColour } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { circle } from "../raster/shapes.ts";
import { type PlacedShape, SHAPE_KINDS, shapeOfKind } from "../raster/shapes.ts";

/** Generation metadata of an object-position image. */
export interface PositionScene {
  readonly background: GradientBackground;
  readonly object: PlacedShape;
  /** Tiny dots that carry no label information. */
  readonly specks: readonly { readonly cx: number; readonly cy: number; readonly colour: Rgb }[];
  readonly noise: number;
}

const GRID = 3;

/** Cell of a GRID×GRID grid over the object's allowed centre range [margin, size − margin]. */
export function positionCell(cx: number, cy: number, size: number, radius: number): number {
  const span = size - 2 * radius;
  const column = Math.min(GRID - 1, Math.max(0, Math.floor(((cx - radius) / span) * GRID)));
  const row = Math.min(GRID - 1, Math.max(0, Math.floor(((cy - radius) / span) * GRID)));
  return row * GRID + column;
}

/** dSprites-location-like: which cell of a 3×3 grid holds the object's centre. */
export const objectPosition = defineImageTask<PositionScene>({
  name: "object-position",
  classNames: Array.from({ length: GRID * GRID }, (_, k) => `row ${Math.floor(k / GRID)} column ${k % GRID}`),
  summary: "3x3 grid cell of one object's centre; small specks as distractors",
  sampleScene(rng, label, size) {
    const background = sampleDarkBackground(rng);
    const radius = rng.uniform(0.1, 0.16) * size;
    const span = size - 2 * radius;
    const row = Math.floor(label / GRID);
    const column = label % GRID;
    // Stay 5% of a cell inside the cell so the label is never a coin flip at a border.
    const inCell = (index: number): number => radius + ((index + rng.uniform(0.05, 0.95)) / GRID) * span;
    const object = {
      kind: rng.choice(SHAPE_KINDS),
      cx: inCell(column),
      cy: inCell(row),
      radius,
      angle: rng.uniform(-Math.PI / 8, Math.PI / 8),
      colour: visibleColour(rng, background),
    };
    // Dim specks: visible clutter, but fainter than any object (half-way to the background).
    const specks = Array.from({ length: rng.int(5) }, () => {
      const bright = visibleColour(rng, background, 0.2);
      const colour: Rgb = [(bright[0] + background.from[0]) / 2, (bright[1] + background.from[1]) / 2, (bright[2] + background.from[2]) / 2];
      return { cx: rng.uniform(0, size), cy: rng.uniform(0, size), colour };
    });
    return { background, object, specks, noise: rng.uniform(0.02, 0.06) };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, scene.background);
    const { object } = scene;
    const shape = shapeOfKind(object.kind, object.cx, object.cy, object.radius, object.angle);
    canvas.paint(shape.distance, shape.bounds, object.colour);
    for (const speck of scene.specks) {
      const dot = circle(speck.cx, speck.cy, canvas.size / 40);
      canvas.paint(dot.distance, dot.bounds, speck.colour);
    }
    canvas.addNoise(rng, scene.noise);
  },
});
