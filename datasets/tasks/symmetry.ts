import { defineImageTask } from "../image-task.ts";
import { type GradientBackground, paintBackground, sampleDarkBackground, visibleColour } from "../raster/background.ts";
import type { Rgb } from "../raster/canvas.ts";
import { type PlacedShape, SHAPE_KINDS, shapeOfKind } from "../raster/shapes.ts";

/** The symmetry classes, in label order. */
export const SYMMETRY_KINDS = ["none", "left-right", "top-bottom"] as const;

/** One blob of the pattern. */
export type PatternPiece = PlacedShape;

/** Generation metadata of a symmetry image. */
export interface SymmetryScene {
  readonly symmetry: (typeof SYMMETRY_KINDS)[number];
  /** Background is a flat colour (a gradient would break the mirror symmetry). */
  readonly background: Rgb;
  readonly pieces: readonly PatternPiece[];
  readonly noise: number;
}

/**
 * Symmetry detection: whether a random pattern of shapes is mirror-symmetric about the
 * vertical axis, the horizontal axis, or neither. Needs comparing distant patches,
 * which is hard for a tiny ViT: the hardest task of the set.
 */
export const symmetry = defineImageTask<SymmetryScene>({
  name: "symmetry",
  classNames: SYMMETRY_KINDS,
  summary: "mirror symmetry of a random shape pattern: none, left-right or top-bottom",
  sampleScene(rng, label, size) {
    const kind = SYMMETRY_KINDS[label] as (typeof SYMMETRY_KINDS)[number];
    const gradient: GradientBackground = sampleDarkBackground(rng);
    const background = gradient.from;
    const flatBackground: GradientBackground = { from: background, to: background, angle: 0 };
    const piece = (minX: number, maxX: number, minY: number, maxY: number): PatternPiece => ({
      kind: rng.choice(SHAPE_KINDS),
      cx: rng.uniform(minX, maxX) * size,
      cy: rng.uniform(minY, maxY) * size,
      radius: rng.uniform(0.06, 0.14) * size,
      angle: rng.uniform(-Math.PI / 8, Math.PI / 8),
      colour: visibleColour(rng, flatBackground),
    });
    const half = Array.from({ length: rng.intBetween(3, 5) }, () => (kind === "top-bottom" ? piece(0, 1, 0, 0.5) : piece(0, 0.5, 0, 1)));
    let other: PatternPiece[];
    if (kind === "left-right") other = half.map((p) => ({ ...p, cx: size - p.cx, angle: -p.angle }));
    else if (kind === "top-bottom") other = half.map((p) => mirrorTopBottom(p, size));
    else other = half.map(() => piece(0.5, 1, 0, 1));
    return { symmetry: kind, background, pieces: [...half, ...other], noise: rng.uniform(0.02, 0.05) };
  },
  renderScene(canvas, scene, rng) {
    paintBackground(canvas, { from: scene.background, to: scene.background, angle: 0 });
    for (const piece of scene.pieces) {
      const drawn = shapeOfKind(piece.kind, piece.cx, piece.cy, piece.radius, piece.angle);
      canvas.paint(drawn.distance, drawn.bounds, piece.colour);
    }
    canvas.addNoise(rng, scene.noise);
  },
});

/**
 * Top-bottom mirror image of a piece. Every kind but the triangle is symmetric about
 * both axes, so negating the angle suffices; shapeOfKind draws the triangle pointing up
 * with its circumcentre 0.15·radius below (cx, cy), so its mirror is turned by π − angle
 * and shifted to keep the circumcentre mirrored.
 */
function mirrorTopBottom(piece: PatternPiece, size: number): PatternPiece {
  if (piece.kind === "triangle") return { ...piece, cy: size - piece.cy - 0.3 * piece.radius, angle: Math.PI - piece.angle };
  return { ...piece, cy: size - piece.cy, angle: -piece.angle };
}
