import { MotherError } from "../src/errors.ts";
import type { ImageTask } from "./image-task.ts";
import { backgroundHue } from "./tasks/background-hue.ts";
import { countObjects } from "./tasks/count-objects.ts";
import { digits } from "./tasks/digits.ts";
import { hue } from "./tasks/hue.ts";
import { lightAzimuth } from "./tasks/light-azimuth.ts";
import { lineCount } from "./tasks/line-count.ts";
import { objectDistance } from "./tasks/object-distance.ts";
import { objectPosition } from "./tasks/object-position.ts";
import { objectSize } from "./tasks/object-size.ts";
import { orientation } from "./tasks/orientation.ts";
import { shape } from "./tasks/shape.ts";
import { stripeFrequency } from "./tasks/stripe-frequency.ts";
import { symmetry } from "./tasks/symmetry.ts";
import { texture } from "./tasks/texture.ts";
import { tissueTumour } from "./tasks/tissue-tumour.ts";

/**
 * Every image task, in a fixed order (the order is part of experiment configs: do not
 * reorder, append). Grouped loosely as VTAB does: natural-like (digits, hue, texture,
 * tissue), structured (counts, positions, distances, orientations, lighting, symmetry).
 */
export const TASKS: readonly ImageTask[] = [
  countObjects,
  objectPosition,
  objectDistance,
  orientation,
  shape,
  texture,
  stripeFrequency,
  digits,
  hue,
  objectSize,
  lineCount,
  symmetry,
  backgroundHue,
  lightAzimuth,
  tissueTumour,
];

/** Look a task up by its kebab-case name; unknown names are a user error naming the choices. */
export function taskByName(name: string): ImageTask {
  const found = TASKS.find((task) => task.name === name);
  if (found === undefined) {
    throw new MotherError(name, "unknown image task", { help: `one of ${TASKS.map((task) => task.name).join(", ")}` });
  }
  return found;
}
