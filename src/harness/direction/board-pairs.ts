/**
 * The pair evidence of one board tree (pair rules, src/direction/pair-rule.ts): every pair of the
 * tree's models compared on the score layers (read-pair-evidence.ts), kept as a JSON artefact
 * next to the tree's statistics, so a rerun or a new pair rule reads it instead of the weights.
 */
import type { ModelSource } from "../../types.ts";
import type { PairLayerEvidence } from "../../direction/pair-evidence.ts";
import { embeddingTensor, pairIndex, readDecayEvidence, readPairEvidence, type PairLayers } from "../../direction/read-pair-evidence.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import { planLayers } from "../../recover/plan-layers.ts";
import type { ArtifactStore } from "../artifact-store.ts";
import { fileIdentity } from "../../io/file-identity.ts";

/** Bump when what the pair evidence holds or how it is computed changes. */
export const BOARD_PAIRS_VERSION = 5;

/** Per unordered pair (pairIndex order), per score layer: the evidence's fields in FIELDS order, or null (a constant layer). */
export interface BoardPairs {
  readonly size: number;
  readonly pairs: readonly (readonly (readonly number[] | null)[])[];
  /** Per unordered pair, the weight-decay sign test's z (decay-signature.ts), for models with an embedding matrix; absent otherwise. */
  readonly decay?: readonly number[];
  /** k×k, 1 where another model reproduces the child's weight-decayed rows more exactly (decay-signature.ts); absent without decay votes. */
  readonly notParent?: readonly number[];
}

/** Evidence → a row of numbers (JSON-friendly) and back. */
function encode(evidence: PairLayerEvidence | undefined): number[] | null {
  if (!evidence) return null;
  const { n, rho, kurtosisA, kurtosisB, cumulant, tanh, heteroForward, heteroBackward, entropy, kurtosisUpdate } = evidence;
  const [ratio, standardError] = entropy ? [entropy.ratio, entropy.standardError] : [Number.NaN, Number.NaN];
  return [
    n,
    rho,
    kurtosisA,
    kurtosisB,
    cumulant.mean,
    cumulant.variance,
    tanh.mean,
    tanh.variance,
    heteroForward,
    heteroBackward,
    ratio,
    standardError,
    kurtosisUpdate,
  ];
}

function decode(row: readonly number[] | null): PairLayerEvidence | undefined {
  if (!row) return undefined;
  const [n, rho, kurtosisA, kurtosisB, cumMean, cumVariance, tanhMean, tanhVariance, heteroForward, heteroBackward, ratio, standardError, kurtosisUpdate] =
    row as (number | null)[];
  return {
    n: n!,
    rho: rho!,
    kurtosisA: kurtosisA!,
    kurtosisB: kurtosisB!,
    cumulant: { mean: cumMean!, variance: cumVariance! },
    tanh: { mean: tanhMean!, variance: tanhVariance! },
    heteroForward: heteroForward!,
    heteroBackward: heteroBackward!,
    // JSON writes NaN as null: no entropy ratio for that layer.
    entropy: typeof ratio === "number" && Number.isFinite(ratio) ? { ratio, standardError: standardError! } : undefined,
    kurtosisUpdate: kurtosisUpdate!,
  };
}

/** The tree's pairs as orientTree reads them. */
export function boardPairLayers(board: BoardPairs): PairLayers {
  const decoded = board.pairs.map((layers) => layers.map(decode));
  const decay = board.decay;
  return {
    size: board.size,
    layersOf: (i, j) => decoded[pairIndex(i, j, board.size)]!,
    ...(decay ? { decayOf: (i: number, j: number) => decay[pairIndex(i, j, board.size)]! } : {}),
    ...(board.notParent ? { notParent: Uint8Array.from(board.notParent) } : {}),
  };
}

/** Every pair of `models` (a board tree's, in its order) on the score layers, read from `store` when computed before. */
export async function boardPairs(benchmark: string, root: string, models: readonly ModelSource[], store: ArtifactStore): Promise<BoardPairs> {
  const files = await Promise.all(models.map(async (model) => [model.id, await fileIdentity(model.tensors[0]!.file)] as const));
  const artifact = await store.getJson("direction-board-pairs", { version: BOARD_PAIRS_VERSION, benchmark, root, files }, async () => {
    const jobs = planLayers(models, DEFAULT_RECOVER_OPTIONS);
    const layers = await readPairEvidence(
      jobs,
      "score",
      models.map((_, i) => i),
    );
    const pairs: (number[] | null)[][] = [];
    for (let i = 0; i < models.length; i++)
      for (let j = i + 1; j < models.length; j++) pairs[pairIndex(i, j, models.length)] = layers.layersOf(i, j).map(encode);
    const evidence = await readDecayEvidence(models.map((model) => embeddingTensor(model.tensors)));
    const decay = evidence && Array.from({ length: pairs.length }, () => 0);
    if (evidence && decay)
      for (let i = 0; i < models.length; i++) for (let j = i + 1; j < models.length; j++) decay[pairIndex(i, j, models.length)] = evidence.decayOf(i, j);
    const notParent = evidence ? Array.from(evidence.notParent) : undefined;
    return { size: models.length, pairs, ...(decay ? { decay } : {}), ...(notParent ? { notParent } : {}) };
  });
  return artifact.value;
}
