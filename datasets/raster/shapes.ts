import type { Bounds, Rgb, SignedDistance } from "./canvas.ts";

/**
 * Shapes as signed-distance functions in pixel units, so the canvas can anti-alias any
 * of them the same way. Each constructor returns the function and its bounds.
 */
export interface Shape {
  readonly distance: SignedDistance;
  readonly bounds: Bounds;
}

/** The object kinds the image tasks draw; `shape` task labels index this list. */
export const SHAPE_KINDS = ["circle", "square", "triangle", "cross", "ring", "diamond"] as const;
/** One of SHAPE_KINDS. */
export type ShapeKind = (typeof SHAPE_KINDS)[number];

/** An object as the image tasks place it: its kind, centre and radius in pixels, rotation (shapeOfKind's angle) and fill. */
export interface PlacedShape {
  readonly kind: ShapeKind;
  readonly cx: number;
  readonly cy: number;
  readonly radius: number;
  readonly angle: number;
  readonly colour: Rgb;
}

function squareBounds(cx: number, cy: number, radius: number): Bounds {
  return { minX: cx - radius, minY: cy - radius, maxX: cx + radius, maxY: cy + radius };
}

/** Disc of radius `radius` centred at (cx, cy). */
export function circle(cx: number, cy: number, radius: number): Shape {
  return { distance: (x, y) => Math.hypot(x - cx, y - cy) - radius, bounds: squareBounds(cx, cy, radius) };
}

/** Annulus: centre-line radius `radius`, total width `width`. */
export function ring(cx: number, cy: number, radius: number, width: number): Shape {
  return {
    distance: (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - radius) - width / 2,
    bounds: squareBounds(cx, cy, radius + width / 2),
  };
}

/**
 * Ellipse with semi-axes (radiusX, radiusY) rotated by `angle`. The distance is the
 * scaled-circle approximation (exact on the axes), good enough for a 1-pixel edge.
 */
export function ellipse(cx: number, cy: number, radiusX: number, radiusY: number, angle: number): Shape {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const smaller = Math.min(radiusX, radiusY);
  return {
    distance: (x, y) => {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * cos + dy * sin) / radiusX;
      const v = (-dx * sin + dy * cos) / radiusY;
      return (Math.hypot(u, v) - 1) * smaller;
    },
    bounds: squareBounds(cx, cy, Math.max(radiusX, radiusY)),
  };
}

/** Rectangle with half-extents (halfWidth, halfHeight), rotated by `angle` radians about its centre. */
export function box(cx: number, cy: number, halfWidth: number, halfHeight: number, angle: number): Shape {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return {
    distance: (x, y) => {
      const dx = x - cx;
      const dy = y - cy;
      const u = Math.abs(dx * cos + dy * sin) - halfWidth;
      const v = Math.abs(-dx * sin + dy * cos) - halfHeight;
      const outside = Math.hypot(Math.max(u, 0), Math.max(v, 0));
      return outside + Math.min(Math.max(u, v), 0);
    },
    bounds: squareBounds(cx, cy, Math.hypot(halfWidth, halfHeight)),
  };
}

/**
 * Regular convex polygon with circumradius `radius`, first vertex at `angle` radians.
 * Distance is max over edges of the signed edge distance: exact inside, a slight
 * underestimate near outside corners, which only softens corners by < 1 pixel.
 */
export function regularPolygon(cx: number, cy: number, radius: number, sides: number, angle: number): Shape {
  const apothem = radius * Math.cos(Math.PI / sides);
  const normals: number[] = [];
  for (let k = 0; k < sides; k++) {
    const normalAngle = angle + ((2 * k + 1) * Math.PI) / sides;
    normals.push(Math.cos(normalAngle), Math.sin(normalAngle));
  }
  return {
    distance: (x, y) => {
      const dx = x - cx;
      const dy = y - cy;
      let worst = -Infinity;
      for (let k = 0; k < normals.length; k += 2) {
        const edge = dx * (normals[k] as number) + dy * (normals[k + 1] as number) - apothem;
        if (edge > worst) worst = edge;
      }
      return worst;
    },
    bounds: squareBounds(cx, cy, radius),
  };
}

/** Plus sign: two bars of length 2·radius and width `thickness`, rotated by `angle`. */
export function cross(cx: number, cy: number, radius: number, thickness: number, angle: number): Shape {
  const horizontal = box(cx, cy, radius, thickness / 2, angle);
  const vertical = box(cx, cy, thickness / 2, radius, angle);
  return {
    distance: (x, y) => Math.min(horizontal.distance(x, y), vertical.distance(x, y)),
    bounds: squareBounds(cx, cy, Math.hypot(radius, thickness / 2)),
  };
}

/** Thick line segment with round caps (a capsule) from (x0, y0) to (x1, y1). */
export function segment(x0: number, y0: number, x1: number, y1: number, thickness: number): Shape {
  const ex = x1 - x0;
  const ey = y1 - y0;
  const lengthSquared = ex * ex + ey * ey || 1;
  const half = thickness / 2;
  return {
    distance: (x, y) => {
      const px = x - x0;
      const py = y - y0;
      const t = Math.min(1, Math.max(0, (px * ex + py * ey) / lengthSquared));
      return Math.hypot(px - t * ex, py - t * ey) - half;
    },
    bounds: {
      minX: Math.min(x0, x1) - half,
      minY: Math.min(y0, y1) - half,
      maxX: Math.max(x0, x1) + half,
      maxY: Math.max(y0, y1) + half,
    },
  };
}

/**
 * One of SHAPE_KINDS at a common scale: `radius` is the circumradius (half the extent),
 * `angle` an extra rotation. Square and diamond differ by 45°, so callers that rotate
 * freely should keep |angle| < π/8 to keep the two apart.
 */
export function shapeOfKind(kind: ShapeKind, cx: number, cy: number, radius: number, angle: number): Shape {
  switch (kind) {
    case "circle":
      return circle(cx, cy, radius * 0.9);
    case "square":
      return box(cx, cy, radius * 0.75, radius * 0.75, angle);
    case "diamond":
      return box(cx, cy, radius * 0.72, radius * 0.72, angle + Math.PI / 4);
    case "triangle":
      return regularPolygon(cx, cy + radius * 0.15, radius * 1.05, 3, angle - Math.PI / 2);
    case "cross":
      return cross(cx, cy, radius, Math.max(1.5, radius * 0.55), angle);
    case "ring":
      return ring(cx, cy, radius * 0.72, Math.max(1.5, radius * 0.4));
  }
}
