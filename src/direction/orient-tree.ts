/**
 * Orients one tree (step 5d of recovery, recover-cluster.ts): the rule the default policy picks
 * (default-rule.ts) scores the kept members, the minimum arborescence weighs the scores against
 * D (recover-tree.ts), and the decision is recorded — rule, trend, margin, and what decided it —
 * for the graph's `directions` and the one line per tree on standard error.
 *
 * The margin is the arborescence cost gap between the chosen tree and the same tree with every
 * stage flipped (the other orientation), solved under the pairs the chosen tree's edge tests
 * forbade, in λ: 0 is a tie (a chain or a pair, where both orientations fit equally), 1 is one
 * edge's worth of evidence; negative when given stages, or a pair rule whose trend holds at any
 * stage, run against the tree's costs.
 */
import type { Stage, TreeDirection } from "../types.ts";
import { bug } from "../errors.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../recover/options.ts";
import { recoverTree, type TreeResult } from "../recover/recover-tree.ts";
import type { DistanceChoice } from "../recover/tree-distance.ts";
import { defaultRules, keepFallback, pairRuleFor } from "./default-rule.ts";
import { findPairRule } from "./registry.ts";
import { chainVotes } from "./orient-chain.ts";
import { ruleScores } from "./rule-scores.ts";
import { orientedScore, ruleScore, type ScoredLayers, type StatisticRule } from "./statistic-rule.ts";
import { obtuseShadows } from "../distance/obtuse-siblings.ts";
import { isPairRule, pairDirection, pairEvidenceMatrix, parentEvidence, withDecay, withVeto, type DirectionRule, type PairRule } from "./pair-rule.ts";
import type { PairLayers } from "./read-pair-evidence.ts";
import { rankBetween } from "../distance/rank-between.ts";
import { addAncestorEvidence, atNoiseFloor, notOverturning, withAncestors } from "./ancestor-evidence.ts";
import { pairConfidence } from "./pair-penalty.ts";
import { offSide, slopeSide } from "./inherit-side.ts";
import { longEdgeBelowRoot } from "../distance/long-edges.ts";

/** A model of the tree as orientation sees it (recover-cluster.ts's Member fits). */
export interface DirectionMember {
  /** Column in the group's layer pass. */
  readonly index: number;
  /** Row of the cluster's D, and of `statistic`. */
  readonly position: number;
  readonly stage: Stage | "auto";
  readonly model: { readonly id: string };
}

/** What orientTree needs: the pass, the members (all, and those kept in the arborescence), their D, and the edges ruled out. */
export interface OrientInput {
  readonly group: ScoredLayers;
  readonly members: readonly DirectionMember[];
  readonly kept: readonly DirectionMember[];
  /** D over the kept members. */
  readonly distance: Float64Array;
  readonly choice: DistanceChoice;
  readonly options: Pick<RecoverOptions, "score" | "lambda" | "chain"> &
    Partial<
      Pick<
        RecoverOptions,
        | "rootTie"
        | "pairDirection"
        | "pairRule"
        | "pairDecay"
        | "pairAncestor"
        | "pairPenalty"
        | "pairRoot"
        | "pairLambda"
        | "pairVeto"
        | "pairInherit"
        | "longEdge"
        | "pairOffside"
        | "siblingAngles"
        | "siblingAdapters"
      >
    >;
  /** Whether the models are language models (a 2-D embedding matrix): `--pair-direction auto` orients those by pairs. */
  readonly languageModel?: boolean;
  readonly forbidden: Uint8Array | undefined;
  /** A mixed tree's kept pairs measured by rank (kept × kept, 1 = by rank), or undefined. */
  readonly rankMask: Float64Array | undefined;
  /** A registry rule to orient by instead of the default policy (experiments comparing rules, tests). */
  readonly rule?: DirectionRule;
  /** Every pair of the kept members' layer evidence (read-pair-evidence.ts, indexed by kept position): needed when `rule` is a pair rule. */
  readonly pairLayers?: PairLayers | undefined;
  /**
   * The kept members' Euclidean distance when the sibling-angle rule applies (obtuse-siblings.ts, angleDistanceFor), else
   * undefined: pairs it rules out (src/distance/obtuse-siblings.ts) join the forbidden edges.
   */
  readonly angleDistance?: Float64Array;
}

/** A tree's arborescence and how its direction was decided. */
export interface Oriented {
  /** The rule that oriented the tree, and the one tried first (they differ when the fallback won). */
  readonly rule: DirectionRule;
  readonly first: DirectionRule;
  /** The rule's plain statistic of every member (reported in the graph), by position. */
  readonly statistic: Float64Array;
  /** The arborescence over the kept members (node i is kept[i]). */
  readonly tree: TreeResult;
  readonly direction: TreeDirection;
  /** Model pairs the sibling-angle rule ruled out as parent and child (0 when it did not apply). */
  readonly siblingPairs: number;
}

/** Forbidden pairs an earlier solve settled on, taken as they are (no edge tests run again). */
interface Settled {
  readonly forbidden: Uint8Array | undefined;
}

/** The minimum arborescence of the kept members, oriented by the default policy, with its decision. */
export function orientTree(input: OrientInput): Oriented {
  const { group, members, kept, distance, options } = input;
  const hasGeneralization = members.some((member) => member.stage === "generalization");
  const given = input.rule ?? pairRuleFor(input.languageModel ?? false, options, kept.length);
  const rules: { first: DirectionRule; fallback: StatisticRule | undefined; rankPairs: StatisticRule | undefined } = given
    ? { first: given, fallback: undefined, rankPairs: undefined }
    : defaultRules(input.choice, hasGeneralization, options);
  // A rule whose trend holds at any stage (distance from init, the spectral and learned rules) has no orientation to infer,
  // and a given stage does not reverse it: its K is never flipped.
  const stages = kept.map((member) => (rules.first.anyStage ? "specialization" : member.stage));
  const anyStage = rules.first.anyStage && kept.some((member) => member.stage === "auto");
  const rankRule = input.rankMask ? rules.rankPairs : undefined;
  // --pair-decay exact: a model whose stored rows reproduce a child's weight-decayed rows less exactly than another's is not its parent.
  const notParent =
    (options.pairDecay ?? DEFAULT_RECOVER_OPTIONS.pairDecay) === "exact" && given && isPairRule(given) ? input.pairLayers?.notParent : undefined;
  const inherit = options.pairInherit ?? DEFAULT_RECOVER_OPTIONS.pairInherit;
  const blocks = given && isPairRule(given) ? input.pairLayers?.blocks : undefined;
  const { forbidden, siblingPairs } = treePlacement({
    ...input,
    // --pair-inherit spare/on: b carrying m's own update from a is not m's sibling under a (inherit-side.ts).
    spare: blocks && (inherit === "spare" || inherit === "on") ? (a, m, b) => !offSide(blocks, a, m, b) : undefined,
    forbidden: notParent?.includes(1) ? (input.forbidden ? notParent.map((x, at) => x | input.forbidden![at]!) : notParent) : input.forbidden,
    k: kept.length,
  });
  const rankPairs =
    input.rankMask && rankRule
      ? {
          mask: Uint8Array.from(input.rankMask),
          scores: Float64Array.from(kept, (member) => orientedScore(rankRule, ruleScore(rankRule, group, member.index))),
        }
      : undefined;
  // `settled`: solve under these forbidden pairs as they are, without the edge tests (the margin's other orientation).
  const solve = (rule: DirectionRule, treeStages: readonly (Stage | "auto")[], settled?: Settled) => {
    if (isPairRule(rule)) return solvePairs(rule, treeStages, settled);
    const statistic = ruleScores(
      rule,
      group,
      members.map((member) => member.index),
    );
    const scores = Float64Array.from(kept, (member) => orientedScore(rule, statistic[member.position] ?? bug("a statistic per member")));
    const tree = recoverTree({
      distance,
      scores,
      stages: treeStages,
      lambda: options.lambda,
      forbidden,
      rankPairs,
      rootTie: options.rootTie,
    });
    return { rule, statistic, scores, tree, forbidden };
  };
  // A pair rule's K comes from each pair's evidence (pair-rule.ts); its score, net evidence as a parent, only breaks root ties.
  const solvePairs = (rule: PairRule, treeStages: readonly (Stage | "auto")[], settled?: Settled) => {
    const layers =
      kept.length < 2 ? { size: kept.length, layersOf: () => [] } : (input.pairLayers ?? bug(`orientTree: pair rule ${rule.name} without the pairs' evidence`));
    const ruleZ = pairEvidenceMatrix(rule.form, kept.length, layers.layersOf);
    const decay = (options.pairDecay ?? DEFAULT_RECOVER_OPTIONS.pairDecay) !== "off" ? layers.decayOf : undefined;
    const pairZ = decay ? withDecay(ruleZ, kept.length, decay) : ruleZ;
    // --pair-veto on: an edge the pair test runs strongly against (z ≤ −PAIR_VETO) is forbidden from the first solve.
    const vetoed = !settled && (options.pairVeto ?? DEFAULT_RECOVER_OPTIONS.pairVeto) === "on" ? withVeto(pairZ, kept.length, forbidden) : forbidden;
    let inheritForbidden = settled ? settled.forbidden : vetoed;
    const arborescence = (z: Float64Array) => {
      const scores = parentEvidence(z, kept.length);
      const tree = recoverTree({
        distance,
        scores,
        // --pair-penalty confidence: an edge against a chance-level z pays next to nothing (pair-penalty.ts).
        direction:
          (options.pairPenalty ?? DEFAULT_RECOVER_OPTIONS.pairPenalty) === "confidence" ? pairConfidence(z, kept.length) : pairDirection(z, kept.length),
        stages: treeStages,
        // --pair-lambda: an edge against the pair evidence pays that many λ.
        lambda: options.lambda * (options.pairLambda ?? DEFAULT_RECOVER_OPTIONS.pairLambda),
        forbidden: inheritForbidden,
        // --pair-root lambda: the most root-like model roots the tree when that costs at most one λ more.
        rootTie: (options.pairRoot ?? DEFAULT_RECOVER_OPTIONS.pairRoot) === "lambda" ? "lambda" : options.rootTie,
      });
      return { scores, tree };
    };
    const k = kept.length;
    // --pair-ancestor on: each edge below the root also gets its grandparent's evidence (ancestor-evidence.ts); solve
    // again until no edge of the new tree lacks it. Pairs keep their first reference, so this ends (≤ k² pairs).
    // --pair-ancestor floor: only where the pair's own z is at its noise floor; agree: only where it does not overturn it.
    const ancestorMode = options.pairAncestor ?? DEFAULT_RECOVER_OPTIONS.pairAncestor;
    const ancestors = ancestorMode !== "off" && k > 2;
    const found = new Float64Array(k * k).fill(Number.NaN);
    const withFound = () =>
      withAncestors(pairZ, ancestorMode === "floor" ? atNoiseFloor(pairZ, found) : ancestorMode === "agree" ? notOverturning(pairZ, found) : found);
    const settle = () => {
      let settled = arborescence(withFound());
      while (ancestors && addAncestorEvidence(found, k, settled.tree.parent, layers.layersOf) > 0) settled = arborescence(withFound());
      return settled;
    };
    let solved = settle();
    // Edge tests below the root: --pair-inherit forbid/on, an x that does not carry p's own update in its detail
    // (inherit-side.ts); --long-edge root, a long edge hung below the root of what it leans toward (long-edges.ts).
    const inheritTest = (inherit === "forbid" || inherit === "on") && blocks ? blocks : undefined;
    const longEdges = (options.longEdge ?? DEFAULT_RECOVER_OPTIONS.longEdge) === "root";
    // --pair-offside under/over: one side of the same test, an x carrying less (under) or more (over) of p's own update
    // than a child does (inherit-side.ts, slopeSide).
    const offside = options.pairOffside ?? DEFAULT_RECOVER_OPTIONS.pairOffside;
    const sideTest = offside !== "off" && blocks ? blocks : undefined;
    const fails = (g: number, p: number, x: number) =>
      (inheritTest !== undefined && offSide(inheritTest, g, p, x)) ||
      (longEdges && longEdgeBelowRoot(distance, k, g, p, x)) ||
      (sideTest !== undefined && slopeSide(sideTest, g, p, x) === offside);
    if ((inheritTest || longEdges || sideTest) && k > 2 && !settled) {
      // An edge that fails is forbidden and the tree settled again; each edge is tested once, so this ends (≤ k² edges).
      const tested = new Uint8Array(k * k);
      for (let added = 1; added > 0; ) {
        added = 0;
        const parent = solved.tree.parent;
        for (let x = 0; x < k; x++) {
          const p = parent[x]!;
          if (p < 0 || parent[p]! < 0 || tested[p * k + x]) continue;
          tested[p * k + x] = 1;
          if (!fails(parent[p]!, p, x)) continue;
          // The first edge copies the caller's forbidden pairs (never changed here); later ones add to that copy.
          if (inheritForbidden === forbidden) inheritForbidden = forbidden ? Uint8Array.from(forbidden) : new Uint8Array(k * k);
          inheritForbidden![p * k + x] = 1;
          added++;
        }
        if (added > 0) solved = settle();
      }
    }
    // Members outside the arborescence (storage twins) have no pairs compared: 0, no evidence either way.
    const statistic = new Float64Array(members.length);
    kept.forEach((member, i) => {
      statistic[member.position] = solved.scores[i]!;
    });
    return { rule, statistic, scores: solved.scores, tree: solved.tree, forbidden: inheritForbidden };
  };
  const first = solve(rules.first, stages);
  const fallback = rules.fallback ? solve(rules.fallback, stages) : undefined;
  let chosen = fallback && keepFallback(first.tree, fallback.tree) ? fallback : first;
  let decidedBy: TreeDirection["decidedBy"] =
    kept.length < 2 ? "single" : anyStage ? "rule" : stages.includes("auto") ? (chosen.tree.orientationTied ? "tie" : "branches") : "stages";
  // A chain or a pair: both orientations cost the same, so an absolute signal may break the tie (orient-chain.ts).
  const chainRule = options.chain === "init-distance" ? kept.length > 1 : options.chain === "chains" && kept.length > 2;
  if (decidedBy === "tie" && chainRule) {
    const reversed = solve(
      chosen.rule,
      stages.map((stage) => (stage === "auto" ? "generalization" : stage)),
    );
    const votes = chainVotes(group, kept, [chosen.tree, reversed.tree]);
    if (votes[1]! > votes[0]!) chosen = { ...reversed, tree: { ...reversed.tree, orientationTied: true } };
    if (votes[0] !== votes[1]) decidedBy = "init-distance";
  }
  // The other orientation under the pairs the chosen tree's edge tests forbade: tested again, it would forbid its own, and
  // the gap would compare two trees under two sets of rules (the model zoo's Llama-like tree: −141.65 λ for a tree that
  // holds its orientation).
  const flipped = kept.length > 1 ? solve(chosen.rule, chosen.tree.stages.map(flip), { forbidden: chosen.forbidden }).tree : undefined;
  const margin = flipped && chosen.tree.penalty > 0 ? (flipped.cost - chosen.tree.cost) / chosen.tree.penalty : 0;
  const root = kept[chosen.tree.parent.indexOf(-1)]?.model.id ?? bug("an arborescence has a root");
  const direction: TreeDirection = { root, rule: chosen.rule.name, trend: trendOf(chosen.rule, chosen.tree.stages), margin, decidedBy };
  return { rule: chosen.rule, first: first.rule, statistic: chosen.statistic, tree: chosen.tree, direction, siblingPairs };
}

/**
 * placementRules as recovery applies them to one tree of `k` models built with `choice` (D `distance`): rank-between on
 * an ℓ_LoRA D, the sibling angles off `angleDistance` (one way only under `--sibling-angles parent`), and under
 * `--sibling-adapters skip` never across a mixed tree's pairs measured by rank (`rankMask`). The one call orientTree and
 * the harness's prepared trees (src/harness/direction/prepared-tree.ts) make, so the ablations build the tree recovery builds.
 */
export function treePlacement(input: {
  readonly k: number;
  readonly forbidden: Uint8Array | undefined;
  readonly choice: DistanceChoice;
  readonly distance: Float64Array;
  readonly angleDistance?: Float64Array | undefined;
  readonly rankMask: Float64Array | undefined;
  readonly options: Partial<Pick<RecoverOptions, "siblingAngles" | "siblingAdapters">>;
  /** `--pair-inherit spare`/`on`: an obtuse angle at m between a and b spares m → b where this holds (obtuseShadows). */
  readonly spare?: ((a: number, m: number, b: number) => boolean) | undefined;
}): { forbidden: Uint8Array | undefined; siblingPairs: number } {
  return placementRules({
    k: input.k,
    forbidden: input.forbidden,
    ...(input.angleDistance ? { angleDistance: input.angleDistance } : {}),
    ...(input.spare ? { spare: input.spare } : {}),
    rankDistance: input.choice === "lora" ? input.distance : undefined,
    parentOnly: input.options.siblingAngles === "parent",
    exempt: (input.options.siblingAdapters ?? DEFAULT_RECOVER_OPTIONS.siblingAdapters) === "skip" ? input.rankMask : undefined,
  });
}

/**
 * The edges a tree's arborescence avoids: `forbidden`, plus the pairs the sibling-angle rule
 * rules out when `angleDistance` is given (src/distance/obtuse-siblings.ts), and how many, plus
 * those with a model exactly between them in rank when `rankDistance` (an ℓ_LoRA tree's D) is
 * given (src/distance/rank-between.ts).
 * Recovery and the harness's prepared trees call it through treePlacement.
 */
export function placementRules(input: {
  readonly k: number;
  readonly forbidden: Uint8Array | undefined;
  readonly angleDistance?: Float64Array;
  readonly rankDistance?: Float64Array;
  /** `--sibling-angles parent`: an obtuse angle at m rules out m → b only (obtuseShadows). */
  readonly parentOnly?: boolean;
  /** k×k, nonzero for pairs the angles never rule out (`--sibling-adapters skip`: the pairs measured by rank). */
  readonly exempt?: ArrayLike<number>;
  /** An obtuse angle at m between a and b rules nothing out where this holds (obtuseShadows). */
  readonly spare?: (a: number, m: number, b: number) => boolean;
}): {
  forbidden: Uint8Array | undefined;
  siblingPairs: number;
} {
  const between = input.rankDistance && input.k >= 3 ? rankBetween(input.rankDistance, input.k) : undefined;
  const withBetween = between?.includes(1) ? (input.forbidden ? between.map((x, at) => x | input.forbidden![at]!) : between) : input.forbidden;
  const shadows = input.angleDistance && input.k >= 3 ? obtuseShadows(input.angleDistance, input.k, input.parentOnly, input.exempt, input.spare) : undefined;
  if (!shadows?.includes(1)) return { forbidden: withBetween, siblingPairs: 0 };
  const forbidden = withBetween ? shadows.map((x, at) => x | withBetween[at]!) : shadows;
  // A pair counts once: ruled out both ways, or (parentOnly) one way.
  const pairs = shadows.reduce((sum, x, at) => sum + (x && (input.parentOnly || at % input.k < Math.floor(at / input.k)) ? 1 : 0), 0);
  return { forbidden, siblingPairs: pairs };
}

function flip(stage: Stage): Stage {
  return stage === "specialization" ? "generalization" : "specialization";
}

/** How the rule's statistic moves from parent to child in a tree of `stages`: its specialization trend, reversed for generalization. */
export function trendOf(rule: DirectionRule, stages: readonly Stage[]): TreeDirection["trend"] {
  const kinds = new Set(stages);
  if (kinds.size > 1) return "mixed";
  const sign = kinds.has("generalization") ? -rule.trend : rule.trend;
  return sign > 0 ? "rises" : "falls";
}

/** The one line per tree recovery prints on standard error: which rule oriented it, which way, how clearly. */
export function directionLine(direction: TreeDirection): string {
  const because = {
    single: "nothing: a single model",
    stages: "the stages given",
    branches: "its branches (--stage auto)",
    tie: "no evidence: both orientations fit equally (a chain or a pair), fine-tuning assumed",
    "init-distance": "distance from a synthetic init (a chain or a pair)",
    rule: "the rule itself (its trend holds at any stage)",
  }[direction.decidedBy];
  const how = findPairRule(direction.rule) ? "evidence per edge from its two models' weights jointly" : `${direction.trend} from parent to child`;
  return `tree rooted at ${direction.root}: direction by ${direction.rule} (${how}), margin ${direction.margin.toFixed(2)} λ, decided by ${because}`;
}
