/**
 * One rule (or the default policy) on one prepared tree: orientTree — recovery's own step 5d —
 * over the tree's D and statistics, with the stage labels given or every stage "auto" (the
 * tool's default, no flags), then scored against the truth:
 *
 * - directed: true edges recovered with the right parent (the tree's edge accuracy);
 * - agreement: true edges along which the rule's signal moves the way the rule expects (its
 *   trend, reversed for generalization-labelled children unless it holds at any stage; a
 *   per-layer vote counts the layers) — what the rule knows, whatever tree is built;
 * - oriented: true edges recovered in either direction, and of those the ones the right way
 *   round — what separates an orientation error from a placement error.
 */
import { orientTree, type DirectionMember } from "../../direction/orient-tree.ts";
import { ruleScores } from "../../direction/rule-scores.ts";
import { readsLayer, type ScoredLayers, type StatisticRule } from "../../direction/statistic-rule.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../recover/options.ts";
import { bug } from "../../errors.ts";
import { angleDistanceFor, type SiblingGeometry } from "../../distance/obtuse-siblings.ts";
import { distanceCorrelation } from "../../distance/scale-free.ts";
import { pairRuleFor } from "../../direction/default-rule.ts";
import { layerPassGeometry, scoredLayers, type BoardTree } from "./board-tree.ts";
import { boardPairLayers } from "./board-pairs.ts";
import type { PairLayers } from "../../direction/read-pair-evidence.ts";
import { isPairRule, pairZ, type DirectionRule, type PairRule } from "../../direction/pair-rule.ts";

/** What the leaderboard runs: a registry rule, or the default policy (rule undefined) with a chain tie-break and the sibling-angle rule. */
export interface BoardEntry {
  /** Row label: the rule's name, "default", or a variant's. */
  readonly name: string;
  readonly rule: DirectionRule | undefined;
  readonly chain: RecoverOptions["chain"];
  /** Recovery's placement rule for language models (absent: the default). */
  readonly siblingAngles?: RecoverOptions["siblingAngles"];
  /**
   * The distance its angles are read from (absent: the default). "correlation" reads them off the pairs' correlations where
   * a pair rule orients the tree, as recovery does (recover-cluster.ts), and the board tree's layer-pass angles elsewhere;
   * any other geometry must be the one the board tree was prepared with (board-tree.ts: recovery's default).
   */
  readonly siblingGeometry?: RecoverOptions["siblingGeometry"];
  /** Which of equally cheap trees is kept (absent: the default). */
  readonly rootTie?: RecoverOptions["rootTie"];
  /** Pairwise direction evidence under the default policy (absent: the default). */
  readonly pairDirection?: RecoverOptions["pairDirection"];
  /** The pair rule and the weight-decay evidence under the default policy (absent: the defaults). */
  readonly pairRule?: RecoverOptions["pairRule"];
  readonly pairDecay?: RecoverOptions["pairDecay"];
  /** Ancestor evidence added to the pair rule's (absent: the default). */
  readonly pairAncestor?: RecoverOptions["pairAncestor"];
  /** What an edge against the pair evidence pays (absent: the default; src/direction/pair-penalty.ts). */
  readonly pairPenalty?: RecoverOptions["pairPenalty"];
  /**
   * A long edge below a short one in a pair rule's tree (absent: the default; src/distance/long-edges.ts). The inheritance
   * tests (`--pair-inherit`) need each matrix's block, which the board's pairs do not keep (board-pairs.ts): inert here.
   */
  readonly longEdge?: RecoverOptions["longEdge"];
  /**
   * A pair rule's root slack, λ multiple and veto (absent: the defaults; session 16's set-10 candidates). Set here so a
   * cell's key says them: left to orientTree's fallbacks, a default changed later would be served from cells computed before.
   */
  readonly pairRoot?: RecoverOptions["pairRoot"];
  readonly pairLambda?: RecoverOptions["pairLambda"];
  readonly pairVeto?: RecoverOptions["pairVeto"];
}

/** The recovery options an entry runs with: its own, and recovery's default for each it leaves out. */
export function entryOptions(entry: BoardEntry): Required<Omit<BoardEntry, "name" | "rule">> {
  return {
    chain: entry.chain,
    siblingAngles: entry.siblingAngles ?? DEFAULT_RECOVER_OPTIONS.siblingAngles,
    siblingGeometry: entry.siblingGeometry ?? DEFAULT_RECOVER_OPTIONS.siblingGeometry,
    rootTie: entry.rootTie ?? DEFAULT_RECOVER_OPTIONS.rootTie,
    pairDirection: entry.pairDirection ?? DEFAULT_RECOVER_OPTIONS.pairDirection,
    pairRule: entry.pairRule ?? DEFAULT_RECOVER_OPTIONS.pairRule,
    pairDecay: entry.pairDecay ?? DEFAULT_RECOVER_OPTIONS.pairDecay,
    pairAncestor: entry.pairAncestor ?? DEFAULT_RECOVER_OPTIONS.pairAncestor,
    pairPenalty: entry.pairPenalty ?? DEFAULT_RECOVER_OPTIONS.pairPenalty,
    longEdge: entry.longEdge ?? DEFAULT_RECOVER_OPTIONS.longEdge,
    pairRoot: entry.pairRoot ?? DEFAULT_RECOVER_OPTIONS.pairRoot,
    pairLambda: entry.pairLambda ?? DEFAULT_RECOVER_OPTIONS.pairLambda,
    pairVeto: entry.pairVeto ?? DEFAULT_RECOVER_OPTIONS.pairVeto,
  };
}

/** Counts of one entry on one tree (or summed over trees). */
export interface EdgeCounts {
  readonly edges: number;
  readonly directed: number;
  readonly agreeing: number;
  /** True edges the rule's signal could be read on (NaN statistics leave an edge out). */
  readonly signalled: number;
  readonly placed: number;
  readonly oriented: number;
}

/** The counts of `entry` on `tree`, with the truth's stage labels or with every stage "auto". */
export function scoreOnTree(tree: BoardTree, entry: BoardEntry, labels: boolean): EdgeCounts {
  const group = scoredLayers(tree);
  const stageOf = new Map(tree.truth.models.map((m) => [m.id, m.stage]));
  const members: DirectionMember[] = tree.ids.map((id, i) => ({
    index: i,
    position: i,
    stage: labels ? (stageOf.get(id) ?? bug(`board tree ${tree.root}: no stage for ${id}`)) : "auto",
    model: { id },
  }));
  const pairLayers = tree.pairs ? boardPairLayers(tree.pairs) : undefined;
  const { siblingGeometry, ...chosen } = entryOptions(entry);
  const options = { score: "auto", lambda: DEFAULT_RECOVER_OPTIONS.lambda, ...chosen } as const;
  // Recovery reads the pairs only where a pair rule orients the tree: the correlation angles need that read.
  const pairsRead =
    pairLayers && (entry.rule ? isPairRule(entry.rule) : pairRuleFor(tree.languageModel, options, tree.ids.length) !== undefined) ? pairLayers : undefined;
  const oriented = orientTree({
    group,
    members,
    kept: members,
    distance: Float64Array.from(tree.distance),
    choice: tree.choice,
    options,
    languageModel: tree.languageModel,
    forbidden: undefined,
    angleDistance: angleDistanceFor(
      options.siblingAngles,
      tree.choice === "lora",
      tree.languageModel,
      members.map((m) => m.stage),
      () => siblingAngleDistance(tree, entry.siblingGeometry ?? DEFAULT_RECOVER_OPTIONS.siblingGeometry, pairsRead),
    ),
    rankMask: tree.rankMask ? Float64Array.from(tree.rankMask) : undefined,
    ...(entry.rule ? { rule: entry.rule } : {}),
    ...(pairLayers ? { pairLayers } : {}),
  });
  const parentOf = new Map<string, string>();
  oriented.tree.parent.forEach((p, child) => {
    if (p >= 0) parentOf.set(tree.ids[child]!, tree.ids[p]!);
  });
  const signal = isPairRule(oriented.rule) ? pairSignal(oriented.rule, tree.ids, pairLayers) : edgeSignal(oriented.rule, group, tree.ids);
  let directed = 0;
  let agreeing = 0;
  let signalled = 0;
  let placed = 0;
  let orientedRight = 0;
  for (const { parent, child } of tree.truth.edges) {
    const right = parentOf.get(child) === parent;
    if (right) directed++;
    if (right || parentOf.get(parent) === child) {
      placed++;
      if (right) orientedRight++;
    }
    const move = signal(parent, child);
    if (Number.isNaN(move)) continue;
    signalled++;
    const reversed = !oriented.rule.anyStage && stageOf.get(child) === "generalization";
    if ((reversed ? -oriented.rule.trend : oriented.rule.trend) * move > 0) agreeing++;
  }
  return { edges: tree.truth.edges.length, directed, agreeing, signalled, placed, oriented: orientedRight };
}

/**
 * The distance the sibling-angle rule reads on a board tree under `geometry`, as recover-cluster.ts picks it: the
 * correlation angles off the pair read (`pairsRead`, when a pair rule orients the tree), else the board tree's
 * layer-pass angles, which hold recovery's default geometry (correlation's stand-in without a pair read is scale-free).
 */
export function siblingAngleDistance(tree: BoardTree, geometry: SiblingGeometry, pairsRead: PairLayers | undefined): Float64Array {
  if (geometry === "correlation" && pairsRead) return distanceCorrelation(tree.ids.length, pairsRead.layersOf);
  const held = layerPassGeometry(DEFAULT_RECOVER_OPTIONS.siblingGeometry);
  if (layerPassGeometry(geometry) !== held) bug(`board tree ${tree.root} holds ${held} angles, not ${geometry}: prepare the board with that default`);
  return Float64Array.from(tree.euclidean);
}

/** Adds counts. */
export function addCounts(a: EdgeCounts, b: EdgeCounts): EdgeCounts {
  return {
    edges: a.edges + b.edges,
    directed: a.directed + b.directed,
    agreeing: a.agreeing + b.agreeing,
    signalled: a.signalled + b.signalled,
    placed: a.placed + b.placed,
    oriented: a.oriented + b.oriented,
  };
}

/** No edges. */
export const NO_COUNTS: EdgeCounts = { edges: 0, directed: 0, agreeing: 0, signalled: 0, placed: 0, oriented: 0 };

/**
 * How the rule's signal moves from parent to child (positive = rises; NaN = unreadable): the
 * score difference, or for a per-layer vote the layers that rose minus those that fell.
 */
function edgeSignal(rule: StatisticRule, group: ScoredLayers, ids: readonly string[]): (parent: string, child: string) => number {
  const index = new Map(ids.map((id, i) => [id, i]));
  const at = (id: string) => index.get(id) ?? bug(`board tree: no model ${id}`);
  if (rule.combine === "vote") {
    return (parent, child) => {
      let votes = 0;
      let read = 0;
      group.plan.forEach((job, l) => {
        if (!readsLayer(rule, job)) return;
        const stats = group.pass[l]!.stats;
        const move = rule.statistic(stats[at(child)]!) - rule.statistic(stats[at(parent)]!);
        if (Number.isNaN(move)) return;
        votes += Math.sign(move);
        read++;
      });
      return read === 0 ? Number.NaN : votes;
    };
  }
  const scores = ruleScores(
    rule,
    group,
    ids.map((_, i) => i),
  );
  return (parent, child) => scores[at(child)]! - scores[at(parent)]!;
}

/** A pair rule's evidence that the parent is the parent (positive: it agrees; NaN: the tree has no pair evidence). */
function pairSignal(rule: PairRule, ids: readonly string[], pairs: PairLayers | undefined): (parent: string, child: string) => number {
  const index = new Map(ids.map((id, i) => [id, i]));
  // The rule's trend is −1 (its parent-evidence score falls parent → child): a move of −z agrees when z > 0.
  return (parent, child) => {
    const i = index.get(parent) ?? bug(`board tree: no model ${parent}`);
    const j = index.get(child) ?? bug(`board tree: no model ${child}`);
    if (!pairs) return Number.NaN;
    return i < j ? -pairZ(rule.form, pairs.layersOf(i, j)) : pairZ(rule.form, pairs.layersOf(j, i));
  };
}
