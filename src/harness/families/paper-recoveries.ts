/** The recovery settings a family page reports (experiments/llama-family.ts, experiments/sd-family.ts): one list, the paper's stage apart. */
import type { Stage } from "../../types.ts";
import type { RecoveryVariant } from "./recover-family.ts";

/**
 * The paper's setting first (the family's stage label on every edge, the paper's ℓ_FT, one tree), then no labels, then what a
 * user gets by default, with and without the init-distance chain rule, and the paper's setting scored on attention alone.
 */
export function paperFamilyRecoveries(paperStage: Stage): RecoveryVariant[] {
  const paper = { stage: paperStage, distance: "ft", ftDistance: "max", trees: 1 } as const;
  return [
    { name: `paper: ℓ_FT, ${paperStage}, 1 tree`, overrides: paper },
    { name: "stage auto (no labels)", overrides: { stage: "auto", distance: "ft", trees: 1 } },
    { name: "tool defaults (stage, trees and distance auto)", overrides: {} },
    // A chain or a pair oriented by the distance from a synthetic init instead of assuming fine-tuning (docs/direction.md).
    { name: "tool defaults, --chain init-distance", overrides: { chain: "init-distance" } },
    // SPEC §2's first choice of score layers, before the VTHR ablation added the MLP matrices.
    { name: "paper, score on attention only", overrides: { ...paper, scoreKinds: ["query", "key", "value", "attention-output"] } },
  ];
}
