import type { Rng } from "../../src/rng.ts";

/** A disc-shaped footprint: where an object sits and how far it reaches. */
export interface Footprint {
  readonly cx: number;
  readonly cy: number;
  readonly radius: number;
}

/**
 * Place discs of the given radii inside a `size`×`size` image without overlapping
 * (at least `gap` pixels between edges), by rejection sampling. If a disc cannot be
 * placed after many tries, all radii shrink by 10% and placement restarts, so the
 * requested number of objects is always honoured (counting labels depend on it).
 */
export function placeApart(rng: Rng, radii: readonly number[], size: number, gap: number): Footprint[] {
  let scale = 1;
  for (let round = 0; round < 20; round++, scale *= 0.9) {
    const placed: Footprint[] = [];
    for (const baseRadius of radii) {
      const radius = baseRadius * scale;
      let found = false;
      for (let attempt = 0; attempt < 200 && !found; attempt++) {
        const cx = rng.uniform(radius + 1, size - radius - 1);
        const cy = rng.uniform(radius + 1, size - radius - 1);
        found = placed.every((other) => Math.hypot(other.cx - cx, other.cy - cy) >= other.radius + radius + gap);
        if (found) placed.push({ cx, cy, radius });
      }
      if (!found) break;
    }
    if (placed.length === radii.length) return placed;
  }
  throw new RangeError(`placeApart: cannot fit ${radii.length} objects in ${size}px`);
}
