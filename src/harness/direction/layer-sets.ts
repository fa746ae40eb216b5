/**
 * The directional-score candidates the ablations compare (paper §6.3, Fig. 14 and Fig. 19):
 * each statistic of LayerStats summed over each layer set L. Single layer types answer
 * "which layer carries the direction?", the unions answer "what should the default be?".
 */
import type { LayerKind, ScoreName } from "../../types.ts";
import { byName } from "../by-name.ts";

/** The five statistics of Fig. 14, kurtosis (the paper's Eq. 3) first. */
export const SCORE_VARIANTS: readonly ScoreName[] = ["kurtosis", "mean", "variance", "skewness", "entropy"];

/** A named layer set L for the directional score. */
export interface LayerSet {
  readonly name: string;
  readonly kinds: readonly LayerKind[];
}

/** The six per-block matrix types of a ViT / BERT / Llama block (Fig. 19 plus the MLP pair). */
export const SINGLE_LAYER_SETS: readonly LayerSet[] = [
  { name: "query", kinds: ["query"] },
  { name: "key", kinds: ["key"] },
  { name: "value", kinds: ["value"] },
  { name: "attention-output", kinds: ["attention-output"] },
  { name: "mlp-in", kinds: ["mlp-in", "mlp-gate"] },
  { name: "mlp-out", kinds: ["mlp-out"] },
];

/** Unions worth a default: all attention matrices (the current default), the MLP pair, everything. */
export const UNION_LAYER_SETS: readonly LayerSet[] = [
  // The layers LoRA adapts by default (peft: query and value).
  { name: "query+value", kinds: ["query", "value"] },
  { name: "attention", kinds: ["query", "key", "value", "qkv", "attention-output"] },
  { name: "mlp", kinds: ["mlp-in", "mlp-gate", "mlp-out"] },
  { name: "dense", kinds: ["attention-output", "mlp-in", "mlp-gate", "mlp-out"] },
  { name: "all", kinds: ["query", "key", "value", "qkv", "attention-output", "mlp-in", "mlp-gate", "mlp-out"] },
];

/** Every layer set the ablations sweep, singles first. */
export const LAYER_SETS: readonly LayerSet[] = [...SINGLE_LAYER_SETS, ...UNION_LAYER_SETS];

/**
 * One directional-score candidate: a statistic over a layer set, with the direction it is read
 * in. sign −1 ("−variance") expects the statistic to *rise* during specialization — the same
 * as the +1 score with the stage flipped (M uses K ⊕ T), which is how recovery runs it.
 */
export interface ScoreCandidate {
  readonly score: ScoreName;
  readonly layers: LayerSet;
  /** +1 (default): falls in specialization, as the paper's kurtosis; −1: rises. */
  readonly sign?: 1 | -1;
}

/** Every statistic × every layer set × every sign, in sign-, then SCORE_VARIANTS-major order. */
export function scoreCandidates(
  scores: readonly ScoreName[] = SCORE_VARIANTS,
  layerSets: readonly LayerSet[] = LAYER_SETS,
  signs: readonly (1 | -1)[] = [1],
): ScoreCandidate[] {
  return signs.flatMap((sign) => scores.flatMap((score) => layerSets.map((layers) => (sign === 1 ? { score, layers } : { score, layers, sign }))));
}

/** Name of a candidate in tables: "kurtosis/attention", "−variance/all". */
export function candidateLabel(candidate: ScoreCandidate): string {
  return `${candidate.sign === -1 ? "−" : ""}${candidate.score}/${candidate.layers.name}`;
}

/** The layer set of `name`; throws naming the known ones. */
export function layerSetByName(name: string): LayerSet {
  return byName("layer set", LAYER_SETS, name);
}

/** The layer set holding exactly `kinds` (order ignored), or one named "custom". */
export function layerSetOf(kinds: readonly LayerKind[]): LayerSet {
  const key = (list: readonly LayerKind[]) => [...list].sort().join(",");
  return LAYER_SETS.find((set) => key(set.kinds) === key(kinds)) ?? { name: "custom", kinds };
}
