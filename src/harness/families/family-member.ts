/**
 * One model of an "in-the-wild" family analogue (paper §6.2: Llama 2 in Fig. 1, Stable
 * Diffusion in Fig. 8) and the family's ground truth. A family is a single Model Tree whose
 * every model is released, named like its real counterpart, and trained from its parent.
 */
import type { TrainConfig } from "../../train/train-config.ts";
import type { Stage, TruthGraph } from "../../types.ts";
import { assert } from "../../errors.ts";
import type { TorchTraining } from "./torch-lm-family.ts";

/** A planned member of a family: trainable by `trainPlanned`, with the truth it encodes. */
export interface FamilyMember {
  /** Release name and model id (the folder name a user would download), e.g. `codellama-python`. */
  readonly id: string;
  /** The real model it stands in for, e.g. "Code Llama - Python" or "SD v1.4". */
  readonly paperName: string;
  /** Id of the model it was trained from; absent for the family's root. */
  readonly parent?: string;
  /** The training that produced it from its parent (paper §4.2); the root's label is unused by T. */
  readonly stage: Stage;
  /** What it was trained on, in words, for the report. */
  readonly data: string;
  /** Training config without the parent path (trainPlanned keys the parent separately). */
  readonly config: TrainConfig;
  /** Set when PyTorch runs `config` (torch-lm-family.ts) instead of our ONNX trainer. */
  readonly torch?: TorchTraining;
}

/**
 * The family as a `mother evaluate` truth: one tree named after the root, every model's
 * stage, one edge per non-root. Throws when the members are not one tree (no single root,
 * an unknown parent, a duplicate id or a cycle), so a mistyped plan fails before training.
 */
export function familyTruth(members: readonly FamilyMember[]): TruthGraph {
  const ids = new Set<string>();
  for (const member of members) {
    assert(!ids.has(member.id), `family plan: duplicate model id ${member.id}`);
    ids.add(member.id);
  }
  const roots = members.filter((m) => m.parent === undefined);
  assert(roots.length === 1, `family plan: a family has exactly one root (${roots.map((m) => m.id).join(", ") || "none"})`);
  const parentOf = new Map(members.map((m) => [m.id, m.parent]));
  for (const member of members) {
    assert(member.parent === undefined || ids.has(member.parent), `family plan: ${member.id} names an unknown parent (${member.parent})`);
    let steps = 0;
    for (let at: string | undefined = member.id; at !== undefined; at = parentOf.get(at)) {
      assert(++steps <= members.length, `family plan: parent links form a cycle (${member.id})`);
    }
  }
  const tree = roots[0]!.id;
  return {
    models: members.map((m) => ({ id: m.id, stage: m.stage, tree })),
    edges: members.filter((m) => m.parent !== undefined).map((m) => ({ parent: m.parent!, child: m.id })),
  };
}
