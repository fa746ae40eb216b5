/**
 * Placement apart from orientation on one family benchmark: recover it with the tool's
 * defaults and with one setting changed at a time, and count per setting the true edges
 * recovered exactly (directed) and in either direction (placement: the undirected tree is
 * right, whichever way its edges point).
 */
import type { ModelSource, TruthGraph } from "../../types.ts";
import { formatTable } from "../../report/print-table.ts";
import type { FamilyBenchmark } from "./family-benchmarks.ts";
import { recoverFamily, type RecoveryVariant } from "./recover-family.ts";

/** The settings every benchmark is recovered with: the defaults first, then one flag each. */
export const FAMILY_SETTINGS: readonly RecoveryVariant[] = [
  { name: "defaults", overrides: {} },
  // The sibling-angle rule (src/distance/obtuse-siblings.ts) is on by default for language models, one way (parent): this is without it.
  { name: "--sibling-angles off", overrides: { siblingAngles: "off" } },
  // Both ways: the default before held-out set 3 (an obtuse angle at m rules out m–b, not only m → b).
  { name: "--sibling-angles auto", overrides: { siblingAngles: "auto" } },
  // Angles with each layer's scale removed (src/distance/scale-free.ts): a shrink every fine-tune shares (weight decay) is no alignment.
  { name: "--sibling-geometry scale-free", overrides: { siblingGeometry: "scale-free" } },
  // The same angles measured from the pair read's correlations, MLP layers included (distanceCorrelation).
  { name: "--sibling-geometry correlation", overrides: { siblingGeometry: "correlation" } },
  // Pairs measured by rank (an adapter and its base in a mixed tree) left to their rank (obtuse-siblings.ts, SiblingAdapters); with P1.
  { name: "--sibling-adapters skip", overrides: { siblingAdapters: "skip" } },
  { name: "--sibling-adapters skip --sibling-geometry scale-free", overrides: { siblingAdapters: "skip", siblingGeometry: "scale-free" } },
  // Angles from the layers as they are: the default before held-out set 5.
  { name: "--sibling-geometry euclidean", overrides: { siblingGeometry: "euclidean" } },
  // The rule on rank-measured pairs too: the default before held-out set 5.
  { name: "--sibling-adapters rule", overrides: { siblingAdapters: "rule" } },
  { name: "--sibling-adapters rule --sibling-geometry euclidean", overrides: { siblingAdapters: "rule", siblingGeometry: "euclidean" } },
  // Language models are oriented by pair-tanh by default (src/direction/pair-rule.ts): this is the per-model policy.
  { name: "--pair-direction off", overrides: { pairDirection: "off" } },
  // Candidates for set 4 (src/direction/pair-rule.ts, decay-signature.ts): tanh or the general likelihood ratio by the
  // update's shape; the weight-decay signature of the embedding rows added to the pair evidence; both.
  { name: "--pair-rule adaptive", overrides: { pairRule: "adaptive" } },
  { name: "--pair-decay on", overrides: { pairDecay: "on" } },
  { name: "--pair-rule adaptive --pair-decay on", overrides: { pairRule: "adaptive", pairDecay: "on" } },
  { name: "--pair-decay off", overrides: { pairDecay: "off" } },
  // Candidate for set 5 (pair-rule.ts): the tanh and heteroscedasticity tests combined (Stouffer).
  { name: "--pair-rule tanh-hetero", overrides: { pairRule: "tanh-hetero" } },
  // Without the grandparent's evidence (ancestor-evidence.ts): the default before held-out set 6.
  { name: "--pair-ancestor off", overrides: { pairAncestor: "off" } },
  // Set-6 candidate (src/direction/pair-penalty.ts; failed set 6, 17 vs 18 of 32): an edge against the evidence pays λ·erf(|z|/√2).
  { name: "--pair-penalty confidence", overrides: { pairPenalty: "confidence" } },
  // Set-8 candidates (src/direction/inherit-side.ts): an edge p → x whose x does not carry p's own update layer by layer is
  // forbidden ("forbid"; "on" also spares, as the defaults do).
  { name: "--pair-inherit on", overrides: { pairInherit: "on" } },
  { name: "--pair-inherit forbid", overrides: { pairInherit: "forbid" } },
  // The defaults since held-out set 9 are set 9's C5, `--long-edge root --pair-inherit spare`; these are each half of it
  // (C3 and C1) and the defaults before (src/distance/long-edges.ts, inherit-side.ts; docs/direction.md, set 9).
  { name: "--long-edge off", overrides: { longEdge: "off" } },
  { name: "--pair-inherit off", overrides: { pairInherit: "off" } },
  { name: "--long-edge off --pair-inherit off", overrides: { longEdge: "off", pairInherit: "off" } },
  // Session 16's orientation candidates (dir16; docs/direction.md, "Set-10 candidates").
  { name: "--pair-ancestor floor", overrides: { pairAncestor: "floor" } },
  { name: "--pair-ancestor agree", overrides: { pairAncestor: "agree" } },
  { name: "--pair-root lambda", overrides: { pairRoot: "lambda" } },
  { name: "--pair-lambda 2", overrides: { pairLambda: 2 } },
  { name: "--pair-veto on", overrides: { pairVeto: "on" } },
  { name: "--pair-root lambda --pair-veto on", overrides: { pairRoot: "lambda", pairVeto: "on" } },
  // Session 16's placement candidates (place16; inherit-side.ts, slopeSide): each side of --pair-inherit forbid's test alone.
  { name: "--pair-offside under", overrides: { pairOffside: "under" } },
  { name: "--pair-offside over", overrides: { pairOffside: "over" } },
  { name: "--chain init-distance", overrides: { chain: "init-distance" } },
  { name: "--stage specialization", overrides: { stage: "specialization" } },
  { name: "--stage generalization", overrides: { stage: "generalization" } },
  { name: "--score kurtosis", overrides: { score: "kurtosis" } },
  { name: "--score variance", overrides: { score: "variance" } },
  { name: "--score entropy", overrides: { score: "entropy" } },
  { name: "--ft-distance max", overrides: { ftDistance: "max" } },
  { name: "--ft-distance mean", overrides: { ftDistance: "mean" } },
  // Language models by the Euclidean ℓ_FT (resolveFtDistance), alone and with the scale-free angles.
  { name: "--ft-distance auto", overrides: { ftDistance: "auto" } },
  { name: "--ft-distance auto --sibling-geometry scale-free", overrides: { ftDistance: "auto", siblingGeometry: "scale-free" } },
  // λ = 0: no direction prior, so the edges are the distance's own minimum spanning tree — placement alone.
  { name: "--lambda 0", overrides: { lambda: 0 } },
  { name: "--lambda 0 --ft-distance max", overrides: { lambda: 0, ftDistance: "max" } },
  { name: "--lambda 0 --ft-distance mean", overrides: { lambda: 0, ftDistance: "mean" } },
];

/** One benchmark's counts under every setting, in FAMILY_SETTINGS order. */
export interface FamilyPlacementRow {
  readonly benchmark: string;
  readonly kind: FamilyBenchmark["kind"];
  /** 0: rules chosen on it; 1–7: held-out set (family-benchmarks.ts). */
  readonly heldOutSet: FamilyBenchmark["heldOutSet"];
  readonly trueEdges: number;
  readonly directed: readonly number[];
  readonly placed: readonly number[];
  /** The defaults' recovered edges, "parent→child". */
  readonly defaultEdges: readonly string[];
  /** Weights per model (every tensor of the root). */
  readonly parameters: number;
}

/** Recovers `models` (the benchmark's release folder) under every setting. */
export async function familyPlacement(
  benchmark: FamilyBenchmark,
  models: readonly ModelSource[],
  truth: TruthGraph,
  settings: readonly RecoveryVariant[] = FAMILY_SETTINGS,
): Promise<FamilyPlacementRow> {
  const recoveries = await recoverFamily(models, truth, settings);
  return {
    benchmark: benchmark.name,
    kind: benchmark.kind,
    heldOutSet: benchmark.heldOutSet,
    trueEdges: truth.edges.length,
    directed: recoveries.map((r) => r.scores.edges.correct),
    placed: recoveries.map((r) => undirectedMatches(r.graph.edges, truth.edges)),
    defaultEdges: recoveries[0]!.graph.edges.map((e) => `${e.parent}→${e.child}`),
    parameters: models[0]!.tensors.reduce((sum, t) => sum + t.shape.reduce((product, size) => product * size, 1), 0),
  };
}

/** True edges present in `edges` in either direction. */
export function undirectedMatches(edges: readonly { parent: string; child: string }[], truth: readonly { parent: string; child: string }[]): number {
  const found = new Set(edges.flatMap((e) => [`${e.parent}|${e.child}`, `${e.child}|${e.parent}`]));
  return truth.filter((e) => found.has(`${e.parent}|${e.child}`)).length;
}

/** A pool of FAMILY_POOLS: benchmarks of `kind` (undefined: any) in held-out set `heldOutSet` (undefined: any). */
export interface FamilyPool {
  readonly label: string;
  readonly kind?: FamilyBenchmark["kind"];
  readonly heldOutSet?: FamilyBenchmark["heldOutSet"];
}

/** Benchmarks pooled per kind, the language-model ones apart by held-out set (set 2 whole: every family of it is an LM). */
export const FAMILY_POOLS: readonly FamilyPool[] = [
  { label: "lm", kind: "lm", heldOutSet: 0 },
  { label: "lm held out", kind: "lm", heldOutSet: 1 },
  { label: "chain", kind: "chain", heldOutSet: 0 },
  { label: "held out set 2", heldOutSet: 2 },
  { label: "held out set 3", heldOutSet: 3 },
  { label: "held out set 4", heldOutSet: 4 },
  { label: "held out set 5", heldOutSet: 5 },
  { label: "held out set 6", heldOutSet: 6 },
  { label: "held out set 7", heldOutSet: 7 },
  { label: "held out set 8", heldOutSet: 8 },
  { label: "held out set 9", heldOutSet: 9 },
  { label: "held out set 10", heldOutSet: 10 },
];

/** Whether a benchmark's row belongs to `pool`. */
export function inPool(row: { readonly kind: FamilyBenchmark["kind"]; readonly heldOutSet: FamilyBenchmark["heldOutSet"] }, pool: FamilyPool): boolean {
  return (pool.kind === undefined || row.kind === pool.kind) && (pool.heldOutSet === undefined || row.heldOutSet === pool.heldOutSet);
}

/** The terminal table: one line per benchmark, "directed/placed" per setting, pooled per FAMILY_POOLS at the bottom. */
export function placementTable(rows: readonly FamilyPlacementRow[], settings: readonly RecoveryVariant[] = FAMILY_SETTINGS): string {
  const cell = (directed: number, placed: number, total: number) => `${directed}/${total} (${placed})`;
  const body = rows.map((row) => [row.benchmark, ...settings.map((_, s) => cell(row.directed[s]!, row.placed[s]!, row.trueEdges))]);
  for (const pool of FAMILY_POOLS) {
    const ofKind = rows.filter((row) => inPool(row, pool));
    if (ofKind.length === 0) continue;
    const total = ofKind.reduce((sum, row) => sum + row.trueEdges, 0);
    const sum = (pick: (row: FamilyPlacementRow) => number) => ofKind.reduce((acc, row) => acc + pick(row), 0);
    body.push([
      `pooled ${pool.label} (${ofKind.length})`,
      ...settings.map((_, s) =>
        cell(
          sum((row) => row.directed[s]!),
          sum((row) => row.placed[s]!),
          total,
        ),
      ),
    ]);
  }
  const title = "Directed edges right / true edges (placement: right ignoring direction), per family and setting";
  return formatTable(title, ["benchmark", ...settings.map((s) => s.name)], body).join("\n");
}
