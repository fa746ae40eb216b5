/**
 * The direction leaderboard (issue #13 item 5): every rule × every benchmark, with the stage
 * labels given and with none (the tool's default, `--stage auto`), scored by score-on-tree.ts.
 *
 *   1. entries   the default policy (as recovery runs it, and with `--chain init-distance`),
 *                every registry rule, and the learned rule fitted leave-one-family-out
 *   2. cells     per (entry, benchmark): counts summed over the benchmark's trees, cached in
 *                the artefact store under (entry, benchmark, its prepared trees) — adding a
 *                rule computes only that rule's cells
 *   3. pooled    per entry: over all edges, the mean over families, per domain, the worst benchmark
 *   4. selection leave-one-family-out: the entry best on the other families, scored on the held-out one
 */
import { createHash } from "node:crypto";
import { defaultRules, keepFallback, pairRuleFor } from "../../direction/default-rule.ts";
import { chainVotes } from "../../direction/orient-chain.ts";
import { recoverTree } from "../../recover/recover-tree.ts";
import { angleDistanceFor, obtuseShadows } from "../../distance/obtuse-siblings.ts";
import { rankBetween } from "../../distance/rank-between.ts";
import { orientTree, placementRules, treePlacement } from "../../direction/orient-tree.ts";
import { DIRECTION_RULES, PAIR_RULES } from "../../direction/registry.ts";
import {
  adaptiveForm,
  isPairRule,
  layerZ,
  pairDirection,
  pairEvidenceMatrix,
  pairZ,
  parentEvidence,
  PAIR_VETO,
  updateTailExcess,
  withDecay,
  withVeto,
} from "../../direction/pair-rule.ts";
import { BOARD_PAIRS_VERSION } from "./board-pairs.ts";
import { addAncestorEvidence, ancestorZ, atNoiseFloor, notOverturning, withAncestors } from "../../direction/ancestor-evidence.ts";
import { pairConfidence } from "../../direction/pair-penalty.ts";
import type { StatisticRule } from "../../direction/statistic-rule.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../recover/options.ts";
import type { ArtifactStore } from "../artifact-store.ts";
import type { BenchmarkDomain } from "./benchmark.ts";
import type { BoardTree } from "./board-tree.ts";
import { LEARNED_NAME, leaveOneFamilyOut, SCORE_ONLY_FAMILIES } from "./learned-lofo.ts";
import { addCounts, entryOptions, NO_COUNTS, scoreOnTree, siblingAngleDistance, type BoardEntry, type EdgeCounts } from "./score-on-tree.ts";
import { LONG_RATIO, longEdgeBelowRoot, NEAR_SHARE } from "../../distance/long-edges.ts";
import { distanceCorrelation } from "../../distance/scale-free.ts";

/** Bump when a cell's meaning changes. */
const CELL_VERSION = 1;

/** Every `--chain` mode, and what each does with a tree that has no branch. */
const CHAIN_MODES: readonly RecoverOptions["chain"][] = ["specialization", "init-distance", "chains"];
const CHAIN_SUMMARY: Readonly<Record<RecoverOptions["chain"], string>> = {
  specialization: "chains and pairs assumed fine-tuned",
  "init-distance": "chains and pairs oriented by distance from a synthetic init",
  chains: "chains of 3+ models by distance from a synthetic init, pairs assumed fine-tuned",
};

/** The name of recovery's default policy on the board. */
export const DEFAULT_ENTRY = "default";

/** A benchmark with its prepared trees. */
export interface BoardBenchmark {
  readonly name: string;
  readonly family: string;
  readonly domain: BenchmarkDomain;
  readonly trees: readonly BoardTree[];
  /** Names exactly these prepared trees (board-tree.ts). */
  readonly key: string;
}

/** One entry on one benchmark: counts with the stage labels and without. */
export interface BoardCell {
  readonly entry: string;
  readonly benchmark: string;
  readonly labels: EdgeCounts;
  readonly auto: EdgeCounts;
  /** Directed edges per tree without labels (truth order), e.g. "3/4" per seed of a family. */
  readonly autoPerTree: readonly string[];
}

/** Which entries the board lists: name, whether fitted (learned), and how to run it on a family. */
export interface BoardRow {
  readonly name: string;
  readonly summary: string;
  readonly fitted: boolean;
  readonly entryFor: (family: string) => BoardEntry;
}

/** The default policy, its chain variant, every registry rule, and the learned rule per held-out family. */
export function boardRows(benchmarks: readonly BoardBenchmark[], rules: readonly StatisticRule[] = DIRECTION_RULES): BoardRow[] {
  const fixed = (name: string, summary: string, entry: BoardEntry): BoardRow => ({ name, summary, fitted: false, entryFor: () => entry });
  const learned = leaveOneFamilyOut(benchmarks);
  return [
    fixed(
      DEFAULT_ENTRY,
      `recovery's policy (default-rule.ts, --chain ${DEFAULT_RECOVER_OPTIONS.chain}): kurtosis (variance fallback) for ℓ_FT, variance-lora for ℓ_LoRA`,
      {
        name: DEFAULT_ENTRY,
        rule: undefined,
        chain: DEFAULT_RECOVER_OPTIONS.chain,
      },
    ),
    ...CHAIN_MODES.filter((chain) => chain !== DEFAULT_RECOVER_OPTIONS.chain).map((chain) =>
      fixed(`default --chain ${chain}`, `the default policy with --chain ${chain}: ${CHAIN_SUMMARY[chain]}`, {
        name: `default --chain ${chain}`,
        rule: undefined,
        chain,
      }),
    ),
    fixed("default --sibling-angles off", "the default policy without the sibling-angle placement rule for language models (src/distance/obtuse-siblings.ts)", {
      name: "default --sibling-angles off",
      rule: undefined,
      chain: DEFAULT_RECOVER_OPTIONS.chain,
      siblingAngles: "off",
    }),
    fixed(
      "default --root-tie solver",
      "the default policy keeping the arborescence solver's pick among equally cheap trees (the default before --root-tie score)",
      {
        name: "default --root-tie solver",
        rule: undefined,
        chain: DEFAULT_RECOVER_OPTIONS.chain,
        rootTie: "solver",
      },
    ),
    ...(["auto", "on", "off"] as const)
      .filter((mode) => mode !== DEFAULT_RECOVER_OPTIONS.pairDirection)
      .map((mode) =>
        fixed(
          `default --pair-direction ${mode}`,
          `the default policy with --pair-direction ${mode}: pair-tanh orients ${{ auto: "language-model trees", on: "every tree", off: "no tree" }[mode]}`,
          { name: `default --pair-direction ${mode}`, rule: undefined, chain: DEFAULT_RECOVER_OPTIONS.chain, pairDirection: mode },
        ),
      ),
    fixed("default --pair-rule adaptive", "the default policy with pair-adaptive for language models (tanh, or the general ratio under heavy-tailed updates)", {
      name: "default --pair-rule adaptive",
      rule: undefined,
      chain: DEFAULT_RECOVER_OPTIONS.chain,
      pairRule: "adaptive",
    }),
    fixed("default --pair-rule tanh-hetero", "the default policy with pair-tanh-hetero for language models (Stouffer's z of the tanh and residual tests)", {
      name: "default --pair-rule tanh-hetero",
      rule: undefined,
      chain: DEFAULT_RECOVER_OPTIONS.chain,
      pairRule: "tanh-hetero",
    }),
    fixed("default --pair-decay off", "the default policy without the weight-decay signature (the default before set 4)", {
      name: "default --pair-decay off",
      rule: undefined,
      chain: DEFAULT_RECOVER_OPTIONS.chain,
      pairDecay: "off",
    }),
    fixed("default --pair-decay on", "the default policy with the weight-decay sign test only (no exact-reproduction parent rule)", {
      name: "default --pair-decay on",
      rule: undefined,
      chain: DEFAULT_RECOVER_OPTIONS.chain,
      pairDecay: "on",
    }),
    fixed("default --pair-ancestor off", "the default policy without ancestor evidence (the default before held-out set 6)", {
      name: "default --pair-ancestor off",
      rule: undefined,
      chain: DEFAULT_RECOVER_OPTIONS.chain,
      pairAncestor: "off",
    }),
    fixed("default --pair-penalty confidence", "the default policy with an edge against the pair evidence paying λ·erf(|z|/√2), not one λ", {
      name: "default --pair-penalty confidence",
      rule: undefined,
      chain: DEFAULT_RECOVER_OPTIONS.chain,
      pairPenalty: "confidence",
    }),
    ...rules.map((rule) => fixed(rule.name, rule.summary, { name: rule.name, rule, chain: "specialization" })),
    ...PAIR_RULES.map((rule) => fixed(rule.name, rule.summary, { name: rule.name, rule, chain: "specialization" })),
    {
      name: LEARNED_NAME,
      summary: "logistic on z-scored per-kind features (kurtosis, log mean square, entropy, log stable rank, ESD α × attention, MLP)",
      fitted: true,
      entryFor: (family) => ({ name: LEARNED_NAME, rule: learned.get(family), chain: "specialization" }),
    },
  ];
}

/** Every cell of the board, read from `store` where computed before. */
export async function boardCells(benchmarks: readonly BoardBenchmark[], rows: readonly BoardRow[], store: ArtifactStore): Promise<BoardCell[]> {
  const cells: BoardCell[] = [];
  for (const row of rows) {
    for (const benchmark of benchmarks) {
      const entry = row.entryFor(benchmark.family);
      const config = { version: CELL_VERSION, code: RECOVERY_CODE, entry: entryKey(entry), benchmark: benchmark.name, trees: benchmark.key };
      const { value } = await store.getJson("direction-board-cell", config, async () => computeCell(benchmark, entry));
      cells.push({ ...value, entry: row.name });
    }
  }
  return cells;
}

function computeCell(benchmark: BoardBenchmark, entry: BoardEntry): Promise<BoardCell> {
  const labels = benchmark.trees.map((tree) => scoreOnTree(tree, entry, true));
  const auto = benchmark.trees.map((tree) => scoreOnTree(tree, entry, false));
  return Promise.resolve({
    entry: entry.name,
    benchmark: benchmark.name,
    labels: labels.reduce(addCounts, NO_COUNTS),
    auto: auto.reduce(addCounts, NO_COUNTS),
    autoPerTree: auto.map((c) => `${c.directed}/${c.edges}`),
  });
}

/** The code that decides a direction (its source text hashed): a change to it recomputes every cell. */
const RECOVERY_CODE = createHash("sha256")
  .update(
    [
      orientTree,
      defaultRules,
      pairRuleFor,
      keepFallback,
      chainVotes,
      scoreOnTree,
      obtuseShadows,
      angleDistanceFor,
      rankBetween,
      placementRules,
      treePlacement,
      recoverTree,
      siblingAngleDistance,
      distanceCorrelation,
    ]
      .map(String)
      .join("\n"),
  )
  .digest("hex")
  .slice(0, 16);

/** The code a pair rule's cells depend on beyond recovery's (its per-layer z and their combination). */
const PAIR_CODE = createHash("sha256")
  .update([layerZ, pairZ, adaptiveForm, updateTailExcess, withDecay, pairEvidenceMatrix, pairDirection, pairConfidence, parentEvidence].map(String).join("\n"))
  .digest("hex")
  .slice(0, 16);

/** The ancestor evidence's code (ancestor-evidence.ts), in the key of an entry that uses it. */
const ANCESTOR_CODE = createHash("sha256")
  .update([ancestorZ, addAncestorEvidence, withAncestors, atNoiseFloor, notOverturning].map(String).join("\n"))
  .digest("hex")
  .slice(0, 16);

/** The veto's code and cut (pair-rule.ts), in the key of an entry that uses it. */
const VETO_CODE = createHash("sha256")
  .update([String(withVeto), PAIR_VETO].join("\n"))
  .digest("hex")
  .slice(0, 16);

/** The long-edge test's code and cuts (long-edges.ts), in the key of an entry that uses it: a changed cut is a new key, as a changed line is. */
const LONG_EDGE_CODE = createHash("sha256")
  .update([String(longEdgeBelowRoot), LONG_RATIO, NEAR_SHARE].join("\n"))
  .digest("hex")
  .slice(0, 16);

/** What identifies an entry's behaviour: the rule's definition (its statistic's source included) and the chain tie-break. */
function entryKey(entry: BoardEntry): unknown {
  const rule = entry.rule;
  const { pairAncestor, longEdge, pairRoot, pairLambda, pairVeto, ...keyed } = entryOptions(entry);
  return {
    ...keyed,
    // Session 16's pair-tree options, each only when it is not the neutral setting (so earlier cells keep their key).
    ...(pairRoot !== "tie" ? { pairRoot } : {}),
    ...(pairLambda !== 1 ? { pairLambda } : {}),
    ...(pairVeto !== "off" ? { pairVeto, vetoCode: VETO_CODE } : {}),
    // Only when not off: cells of entries without the option keep the key they would have had without it.
    ...(pairAncestor !== "off" ? { pairAncestor, ancestorCode: ANCESTOR_CODE } : {}),
    // The same for the long-edge test (the default since held-out set 9): a cell computed before it is not reused.
    ...(longEdge !== "off" ? { longEdge, longEdgeCode: LONG_EDGE_CODE } : {}),
    ...((entry.pairDirection ?? DEFAULT_RECOVER_OPTIONS.pairDirection) !== "off" ? { evidence: BOARD_PAIRS_VERSION, pairCode: PAIR_CODE } : {}),
    rule: !rule
      ? "default"
      : isPairRule(rule)
        ? { ...rule, evidence: BOARD_PAIRS_VERSION, code: PAIR_CODE }
        : { name: rule.name, layers: rule.layers, trend: rule.trend, anyStage: rule.anyStage, combine: rule.combine, statistic: String(rule.statistic) },
  };
}

/** Pooled scores of one entry, without stage labels unless `labels`. */
export interface PooledScores {
  readonly entry: string;
  /** Σ directed / Σ edges over every benchmark. */
  readonly pooled: number;
  /** Mean over families of each family's pooled accuracy (each family counts once, whatever its size). */
  readonly familyMean: number;
  readonly byDomain: Readonly<Record<BenchmarkDomain, number>>;
  readonly worst: { readonly benchmark: string; readonly accuracy: number };
  /** Σ agreeing / Σ signalled. */
  readonly agreement: number;
}

/** Pooled scores of every entry. */
export function pooledScores(benchmarks: readonly BoardBenchmark[], cells: readonly BoardCell[], labels: boolean): PooledScores[] {
  const entries = [...new Set(cells.map((c) => c.entry))];
  return entries.map((entry) => {
    const mine = cells.filter((c) => c.entry === entry);
    const counts = (c: BoardCell) => (labels ? c.labels : c.auto);
    const over = (names: readonly string[]) =>
      mine
        .filter((c) => names.includes(c.benchmark))
        .map(counts)
        .reduce(addCounts, NO_COUNTS);
    const rate = (c: EdgeCounts) => (c.edges === 0 ? Number.NaN : c.directed / c.edges);
    const families = [...new Set(benchmarks.map((b) => b.family))];
    const familyRates = families.map((f) => rate(over(benchmarks.filter((b) => b.family === f).map((b) => b.name))));
    const domain = (d: BenchmarkDomain) => rate(over(benchmarks.filter((b) => b.domain === d).map((b) => b.name)));
    const all = mine.map(counts).reduce(addCounts, NO_COUNTS);
    const worst = mine.map((c) => ({ benchmark: c.benchmark, accuracy: rate(counts(c)) })).sort((a, b) => a.accuracy - b.accuracy)[0];
    return {
      entry,
      pooled: rate(all),
      familyMean: familyRates.reduce((a, b) => a + b, 0) / familyRates.length,
      byDomain: { vit: domain("vit"), lm: domain("lm"), generalization: domain("generalization") },
      worst: worst ?? { benchmark: "–", accuracy: Number.NaN },
      agreement: all.signalled === 0 ? Number.NaN : all.agreeing / all.signalled,
    };
  });
}

/** One fold of the leave-one-family-out selection: the entry the other families pick, and how it does on the held-out one. */
export interface SelectionFold {
  readonly heldOut: string;
  /** The held-out family's benchmarks. */
  readonly benchmarks: readonly string[];
  readonly picked: string;
  readonly accuracy: number;
  readonly edges: number;
}

/**
 * Would choosing the best entry on the board hold out of sample? For each family, the entry
 * with the best family mean (no stage labels) on the other families (never a score-only one), scored on that family.
 */
export function selectionOutOfSample(benchmarks: readonly BoardBenchmark[], cells: readonly BoardCell[]): SelectionFold[] {
  const families = [...new Set(benchmarks.map((b) => b.family))];
  return families.map((heldOut) => {
    const inside = benchmarks.filter((b) => b.family !== heldOut && !SCORE_ONLY_FAMILIES.has(b.family));
    const names = new Set(inside.map((b) => b.name));
    const ranked = pooledScores(
      inside,
      cells.filter((c) => names.has(c.benchmark)),
      false,
    ).sort((a, b) => b.familyMean - a.familyMean);
    const picked = ranked[0]?.entry ?? DEFAULT_ENTRY;
    const held = new Set(benchmarks.filter((b) => b.family === heldOut).map((b) => b.name));
    const out = cells
      .filter((c) => c.entry === picked && held.has(c.benchmark))
      .map((c) => c.auto)
      .reduce(addCounts, NO_COUNTS);
    return { heldOut, benchmarks: [...held], picked, accuracy: out.edges === 0 ? Number.NaN : out.directed / out.edges, edges: out.edges };
  });
}
