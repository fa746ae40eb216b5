/**
 * Step 5 of recovery, for one cluster (paper §5.2):
 *
 *   members ─a─► D (tree-distance.ts: per pair, adapter relatives by rank, the rest by ℓ_FT)
 *           ─b─► storage twins set aside (storage-twins.ts) ─c─► merges found (detect-merges.ts)
 *           ─d─► scores → K, stages → T, M, MDST over the kept models (orientCluster → src/direction/orient-tree.ts)
 *           ─e─► twins under their representatives, merges under all their parents ─► models and typed edges (placeMembers)
 *
 * The minimum arborescence is built on one model per set of storage twins, with pruned → dense
 * edges forbidden (and every edge into an attached PEFT adapter but its base's) and each merge
 * anchored under one of its parents; the twins hang under their
 * representative afterwards, and a merge's anchor edge becomes one "merge" edge per parent.
 */
import type { ModelGraph, ModelSource, Stage, TreeDirection } from "../types.ts";
import { bug } from "../errors.ts";
import { directionLine, orientTree, type Oriented } from "../direction/orient-tree.ts";
import { pairRuleFor } from "../direction/default-rule.ts";
import { readsEntropy } from "../direction/pair-rule.ts";
import { embeddingTensor, readDecayEvidence, readPairEvidence, type PairLayers } from "../direction/read-pair-evidence.ts";
import type { Cluster } from "./cluster-models.ts";
import { resolveFtDistance, type RecoverOptions } from "./options.ts";
import type { RankRunner } from "./pair-ranks.ts";
import type { GroupPass } from "./read-groups.ts";
import { storageTwins } from "./storage-twins.ts";
import { adapterForbidden, eitherForbidden, placeAdapters } from "./adapter-edges.ts";
import { PRUNED_ZEROS, treeDistance, zeroShare, type DistanceChoice } from "./tree-distance.ts";
import { angleDistanceFor, hasEmbeddingMatrix } from "../distance/obtuse-siblings.ts";
import { distanceCorrelation, siblingGeometryDistance } from "../distance/scale-free.ts";
import { isLowRankPair, type RankMeasuredPairs } from "./rank-measured-pairs.ts";
import { anchorMerges, mergeCycleEdges } from "./anchor-merges.ts";
import { detectMerges, MERGE_RESIDUAL, type DetectedMerge } from "./detect-merges.ts";
import { withMergeSamples } from "./merge-samples.ts";
import { prunedCopies } from "./pruned-copies.ts";

type GraphModel = ModelGraph["models"][number];
type GraphEdge = ModelGraph["edges"][number];

/** What step 5 runs with: the settings, the pool's rank runner (ℓ_LoRA), and where notes go. */
export interface ClusterContext {
  readonly options: RecoverOptions;
  readonly ranks: RankRunner;
  readonly log: (message: string) => void;
}

/** One recovered tree: the distance it was built with, how it was oriented, its models and its edges. */
export interface RecoveredTree {
  readonly choice: DistanceChoice;
  readonly direction: TreeDirection;
  readonly models: GraphModel[];
  readonly edges: GraphEdge[];
}

/** One member of the cluster as step 5 sees it. */
interface Member {
  readonly model: ModelSource;
  /** Index into the group: the model's column in the layer pass. */
  readonly index: number;
  /** Index into the cluster: the member's row of D. */
  readonly position: number;
  readonly stage: Stage | "auto";
}

/** A member with its storage twin, if it is one (storage-twins.ts). */
interface Twinned extends Member {
  /** The member this one is a storage copy of (copyOf −1 reads undefined): undefined when it is a tree node itself. */
  readonly representative: Member | undefined;
  /** 1 when storage tells that the representative came first, 0 for a coin flip (StorageTwins.certain). */
  readonly certain: number;
}

/** A kept member's place in the arborescence. */
interface Placed {
  readonly stage: Stage;
  readonly parent: Member | undefined;
  readonly confidence: number;
}

/** Step 5 for one cluster: D, the directional scores, the minimum arborescence, and the graph's models and edges. */
export async function recoverCluster({ group, members: indices }: Cluster<GroupPass>, context: ClusterContext): Promise<RecoveredTree> {
  const { options, log } = context;
  const members: Member[] = indices.map((index, position) => {
    const model = group.models[index] ?? bug(`cluster member ${index} is in its group`);
    return { model, index, position, stage: options.stages[model.id] ?? options.stage };
  });
  // a. The distance matrix D over all members, and which pairs rank measures (adapter relatives).
  // Language models (a 2-D embedding matrix) may be measured otherwise (--ft-distance auto, resolveFtDistance).
  const languageModel = hasEmbeddingMatrix(members[0]?.model.tensors ?? []);
  const ftDistance = resolveFtDistance(options.ftDistance, languageModel);
  const { matrix, choice, rankPairs } = await treeDistance(indices, group.plan, group.pass, { ...options, ftDistance }, context.ranks);
  // b. Storage twins: only representatives enter the arborescence.
  const twins = storageTwins(indices, group.plan, group.pass);
  // A pruned copy keeps its source's other weights bit for bit (pruned-copies.ts): a twin whose order storage tells.
  const prunedOf = await prunedCopies(indices, group.plan, group.pass);
  const twinned: Twinned[] = members.map((member) => {
    const copyOf = twins.copyOf[member.position] ?? bug("a twin entry per member");
    const prunedFrom = prunedOf[member.position] ?? -1;
    if (copyOf < 0 && prunedFrom >= 0) return { ...member, representative: members[prunedFrom], certain: 1 };
    return { ...member, representative: members[copyOf], certain: twins.certain[member.position] ?? bug("a twin entry per member") };
  });
  const kept: Member[] = twinned.filter((member) => !member.representative);
  if (kept.length < members.length)
    log(
      `${members.length - kept.length} model(s) are storage copies of another (a lower-precision re-save, a quantised copy or a duplicate): ` +
        "each is attached under it",
    );
  // c. Merges among the kept members (node indices into `kept`).
  const keptDistance = subMatrix(matrix, members.length, kept);
  const merges =
    options.merges && kept.length >= 3
      ? withMergeSamples(
          group.plan,
          kept.map((member) => member.index),
          (samples) =>
            detectMerges(
              samples,
              keptDistance,
              // An attached PEFT adapter's parent is its base (adapter-edges.ts), never a merge's parents; a pruned
              // model (PRUNED_ZEROS or more exact zeros) is a pruned copy: its zeros look like a TIES/DARE merge's
              // untouched weights, and pruned copies were taken for merges of each other (derived-copies: 18/20 → 13/20).
              (node) => kept[node]?.model.base === undefined && !isPruned(group, kept[node]),
            ),
        )
      : [];
  if (merges.length > 0) log(`${merges.length} model(s) are merges of others (a combination of their weights): each is attached to all its parents`);
  // d. Scores, stages, M and the MDST over the kept members.
  const rankMask = choice === "mixed" && rankPairs ? subMatrix(Float64Array.from(rankPairs.byRank), members.length, kept) : undefined;
  // A pair rule (--pair-direction) compares every pair of the kept members on its layers: a read of its own (read-pair-evidence.ts).
  const pairRule = pairRuleFor(languageModel, options, kept.length);
  const pairLayers =
    pairRule && kept.length > 1
      ? {
          ...(await readPairEvidence(
            group.plan,
            pairRule.layers,
            kept.map((member) => member.index),
            undefined,
            { entropy: readsEntropy(pairRule.form) },
            options.pairInherit !== "off" || options.pairOffside !== "off",
          )),
          ...(options.pairDecay !== "off" ? await readDecayEvidence(kept.map((member) => embeddingTensor(member.model.tensors))) : undefined),
        }
      : undefined;
  // The sibling-angle rule reads angles off a Euclidean distance (src/distance/obtuse-siblings.ts); not for a tree measured by rank alone.
  // --sibling-geometry correlation reads them off the pair read's correlations (kept members already), when there is one.
  const angleDistance = angleDistanceFor(
    options.siblingAngles,
    choice === "lora",
    languageModel,
    kept.map((member) => member.stage),
    () =>
      options.siblingGeometry === "correlation" && pairLayers
        ? distanceCorrelation(kept.length, pairLayers.layersOf)
        : subMatrix(siblingGeometryDistance(options.siblingGeometry, indices, group.plan, group.pass), members.length, kept),
  );
  const orient = (active: readonly DetectedMerge[], cut: readonly (readonly [number, number])[]) =>
    orientCluster({ group, members, kept, distance: keptDistance, choice, options, merges: active, rankMask, cut, angleDistance, languageModel, pairLayers });
  let oriented = orient(merges, []);
  // A merge placed above one of its own parents would close a cycle: cut that edge and solve again.
  const cut: [number, number][] = [];
  for (let round = 0; round < MAX_CYCLE_ROUNDS && mergeCycleEdges(merges, oriented.tree.parent).length > 0; round++) {
    cut.push(...mergeCycleEdges(merges, oriented.tree.parent));
    oriented = orient(merges, cut);
  }
  // Still not (never seen): those merges keep one parent, as plain tree nodes.
  const placed = merges.filter((merge) => mergeCycleEdges([merge], oriented.tree.parent).length === 0);
  if (placed.length < merges.length) {
    log(`${merges.length - placed.length} merge(s) could not be placed below all their parents: each keeps one parent`);
    oriented = orient(placed, cut);
  }
  // An attached adapter's base is known from its config: its edge is placed, not inferred (adapter-edges.ts).
  for (const adapter of placeAdapters(
    oriented.tree.parent,
    kept.map((member) => member.model),
  ))
    oriented.tree.confidence[adapter] = 1;
  logOrientation(kept, oriented, log);
  // e. The graph's models and typed edges, twins under their representatives, merges under all their parents.
  return { choice, direction: oriented.direction, ...placeMembers(twinned, kept, oriented, { distance: matrix, rankPairs, merges: placed }) };
}

/** Rounds of cutting edges that put a merge above one of its parents (each cuts at least one edge; one round settles the zoo). */
const MAX_CYCLE_ROUNDS = 8;

/**
 * The minimum arborescence of one cluster's kept members (`distance` is their D), oriented by
 * the direction registry's default policy (src/direction/default-rule.ts). Pruned → dense
 * edges, edges into an attached adapter but its base's, and a merge under anything but one of
 * its parents are forbidden.
 */
function orientCluster(input: {
  readonly group: GroupPass;
  readonly members: readonly Member[];
  readonly kept: readonly Member[];
  readonly distance: Float64Array;
  readonly choice: DistanceChoice;
  readonly options: RecoverOptions;
  /** Merges among the kept members: each may hang only under one of its parents (anchorMerges). */
  readonly merges: readonly DetectedMerge[];
  /** A mixed tree's kept pairs measured by rank (kept × kept), or undefined. */
  readonly rankMask: Float64Array | undefined;
  /** Edges [from, to] (kept indices) cut so that no merge sits above one of its parents (mergeCycleEdges). */
  readonly cut: readonly (readonly [number, number])[];
  /** The kept members' Euclidean distance (distanceEuclidean, or distanceScaleFree with --sibling-geometry scale-free) when the sibling-angle rule applies. */
  readonly angleDistance: Float64Array | undefined;
  /** Whether the models are language models, and every kept pair's evidence when a pair rule orients them (--pair-direction). */
  readonly languageModel: boolean;
  readonly pairLayers: PairLayers | undefined;
}): Oriented {
  const { group, kept } = input;
  const forbidden = anchorMerges(
    input.merges,
    kept.length,
    eitherForbidden(sparseToDense(kept.map((member) => zeroShare(group.plan, group.pass, member.index))), adapterForbidden(kept.map((member) => member.model))),
    input.cut,
  );
  return orientTree({ ...input, forbidden });
}

/** The notes on how a tree was oriented: one line per tree (directionLine), and the warnings behind a fallback or a guess. */
function logOrientation(kept: readonly Member[], { rule, first, direction, siblingPairs }: Oriented, log: (message: string) => void): void {
  const { root } = direction;
  if (siblingPairs > 0)
    log(
      `tree rooted at ${root}: ${siblingPairs} model pair(s) kept from being parent and child: one of the two lies on the way from a nearer model ` +
        "to the other, at an obtuse angle (independent fine-tunes meet at about 90°: a short sibling drifting toward a long one; --sibling-angles)",
    );
  if (rule !== first)
    log(`tree rooted at ${root}: ${rule.name} orders it with more than one disagreement fewer than ${first.name}, so its direction comes from ${rule.name}`);
  if (kept.length > 1) log(directionLine(direction));
  if (direction.decidedBy === "tie") {
    log(
      `tree rooted at ${root}: both directions fit equally well (a chain or a pair), so --stage auto assumed fine-tuning (specialization); ` +
        "give --stage or --stages if these models were made otherwise",
    );
  } else if (direction.decidedBy === "init-distance") {
    log(`tree rooted at ${root}: a chain or a pair, oriented by the distance from a synthetic init (--chain): check it, or give --stage`);
  } else if (direction.decidedBy === "branches" && direction.trend !== "mixed" && rule.trend * (direction.trend === "rises" ? 1 : -1) < 0) {
    log(
      `tree rooted at ${root}: ${rule.name} ${direction.trend === "rises" ? "rises" : "falls"} from parent to child here, so --stage ` +
        `auto oriented it as generalization`,
    );
  }
}

/**
 * The graph's models and typed edges of one cluster, in member order (SPEC §8). A twin's parent
 * is its representative: storage explains their whole difference (a "quantized" edge, certain
 * when storage tells the order, a coin flip for same-precision duplicates). A merge gets one
 * "merge" edge per parent with its mixing weights (confidence: how far below MERGE_RESIDUAL its
 * fit is). Any other edge is an "adapter" when the pair differs by a low rank (a merged LoRA
 * update), else a "finetune".
 */
function placeMembers(
  members: readonly Twinned[],
  kept: readonly Member[],
  { statistic, tree }: Oriented,
  found: { readonly distance: Float64Array; readonly rankPairs: RankMeasuredPairs | undefined; readonly merges: readonly DetectedMerge[] },
): { models: GraphModel[]; edges: GraphEdge[] } {
  const { distance, rankPairs } = found;
  const mergeOf = new Map(found.merges.map((merge) => [kept[merge.child] ?? bug("a merge is a kept member"), merge]));
  const placed = new Map<number, Placed>(
    kept.map((member, node) => [
      member.position,
      {
        stage: tree.stages[node] ?? bug("a stage per tree node"),
        parent: kept[tree.parent[node] ?? bug("a parent per tree node")], // −1 (the root) reads undefined
        confidence: tree.confidence[node] ?? bug("a confidence per tree node"),
      },
    ]),
  );
  const k = members.length;
  const models: GraphModel[] = [];
  const edges: GraphEdge[] = [];
  for (const member of members) {
    const { model, position, representative } = member;
    // A GGUF copy may hang under a copy (a GGUF of an f16 re-save): the chain ends at a tree node.
    let node: Twinned = member;
    while (node.representative) node = members[node.representative.position] ?? bug("a representative is a member");
    const place = placed.get(node.position) ?? bug(`member ${model.id} or its representative is a tree node`);
    const format = model.format ?? "safetensors";
    models.push({ id: model.id, path: model.path, format, stage: place.stage, score: statistic[position] ?? bug("a statistic per member") });
    const parent = representative ?? place.parent;
    const merge = representative ? undefined : mergeOf.get(member);
    if (merge) {
      const parents = merge.parents.map((node) => kept[node] ?? bug("merge parents are kept members"));
      const coefficients = Object.fromEntries(parents.map((p, at) => [p.model.id, merge.coefficients[at] ?? bug("a coefficient per merge parent")]));
      const confidence = Math.max(0, 1 - merge.residual / MERGE_RESIDUAL);
      for (const p of parents) {
        edges.push({
          parent: p.model.id,
          child: model.id,
          type: "merge",
          distance: distance[p.position * k + position] ?? bug("D is k × k"),
          confidence,
          coefficients,
        });
      }
    } else if (parent) {
      const confidence = representative ? member.certain : place.confidence;
      // An attached PEFT adapter under its base is an adapter edge, whatever else the pair looks like.
      const peftBase = model.base !== undefined && model.base === parent.model.id;
      const lowRank = rankPairs !== undefined && isLowRankPair(rankPairs, k, parent.position, position);
      const type = peftBase || (!representative && lowRank) ? "adapter" : representative ? "quantized" : "finetune";
      edges.push({ parent: parent.model.id, child: model.id, type, distance: distance[parent.position * k + position] ?? bug("D is k × k"), confidence });
    }
  }
  return { models, edges };
}

/** A model is dense when under this share of its weights is exactly 0 (pruned: PRUNED_ZEROS or more). */
const DENSE_ZEROS = 0.05;

/**
 * Edges from a pruned model to a dense one (k × k): pruning is not undone by fine-tuning a
 * pruned model, while pruning raises kurtosis (+0.10 on every matrix in
 * experiments/derived-copies.ts) and so made pruned copies look like their source's parent.
 * Undefined when no pair is pruned → dense.
 */
function sparseToDense(zeroShares: readonly number[]): Uint8Array | undefined {
  const k = zeroShares.length;
  let any = false;
  const forbidden = new Uint8Array(k * k);
  zeroShares.forEach((parentZeros, i) => {
    zeroShares.forEach((childZeros, j) => {
      if (parentZeros >= PRUNED_ZEROS && childZeros < DENSE_ZEROS) {
        forbidden[i * k + j] = 1;
        any = true;
      }
    });
  });
  return any ? forbidden : undefined;
}

/** D restricted to the `kept` members (rows and columns at their positions in the k × k matrix). */
function subMatrix(matrix: Float64Array, k: number, kept: readonly Member[]): Float64Array {
  const out = new Float64Array(kept.length * kept.length);
  kept.forEach((row, i) => {
    kept.forEach((column, j) => {
      out[i * kept.length + j] = matrix[row.position * k + column.position] ?? bug("D is k × k");
    });
  });
  return out;
}

/** True for a member with PRUNED_ZEROS or more exact zeros over the compared layers (a pruned copy). */
function isPruned(group: GroupPass, member: Member | undefined): boolean {
  return member !== undefined && zeroShare(group.plan, group.pass, member.index) >= PRUNED_ZEROS;
}
