/**
 * The recipe-robustness report: the same short chains (root → child → grandchild) fine-tuned
 * under other people's recipes, and for each recipe × directional-score candidate the direction
 * agreement on the true edges, the monotonicity over each fine-tune, and tree recovery
 * accuracy. Candidates are ranked by their worst recipe — the default must survive them all.
 * Built only from saved runs — never trains.
 */
import type { AccuracyCell, ReportPage, ReportTable } from "../../report/index.ts";
import { accuracyHeatTable } from "../../report/index.ts";
import type { CandidateAccuracy } from "./candidate-recovery.ts";
import { candidateLabel } from "./layer-sets.ts";
import { sourceLabel } from "./score-source.ts";
import type { CandidateMonotonicity } from "./candidate-monotonicity.ts";
import type { FineTuneRecipe } from "./recipes.ts";
import { rankByWorstCase, type RankedCandidate } from "./rank-by-worst-case.ts";

/** Everything measured for one recipe. */
export interface RecipeMeasurement {
  readonly recipe: FineTuneRecipe;
  /** Fine-tunes (child + grandchild per chain) and their steps. */
  readonly runs: number;
  readonly steps: number;
  readonly meanFinalLoss: number;
  readonly meanEvalAccuracy: number;
  /** Per candidate (and the recovery default), by label. */
  readonly agreement: readonly { label: string; fraction: number; total: number }[];
  readonly monotonicity: readonly CandidateMonotonicity[];
  /** Tree recovery (root + its chains, cluster known) per candidate; empty when not run. */
  readonly trees: readonly CandidateAccuracy[];
  /** Pooled tree accuracy with a constant score (no direction information); NaN when not run. */
  readonly noDirection: number;
}

export interface RecipeRobustnessResults {
  readonly recipes: readonly RecipeMeasurement[];
  readonly defaultCandidate: string;
  readonly chainsPerRoot: number;
  readonly roots: readonly string[];
}

/** Candidates ranked by worst-recipe agreement, by worst-recipe monotonicity and by worst-recipe tree accuracy. */
export function recipeRankings(results: RecipeRobustnessResults): { agreement: RankedCandidate[]; monotonicity: RankedCandidate[]; trees: RankedCandidate[] } {
  const labels = results.recipes[0]!.agreement.map((a) => a.label);
  const fixed = results.recipes[0]!.monotonicity.map((m) => candidateLabel(m.candidate));
  return {
    agreement: rankByWorstCase(
      labels,
      results.recipes.map((r) => new Map(r.agreement.map((a) => [a.label, a.fraction]))),
    ),
    monotonicity: rankByWorstCase(
      fixed,
      results.recipes.map((r) => new Map(r.monotonicity.map((m) => [candidateLabel(m.candidate), m.summary.meanSignedRho]))),
    ),
    trees: results.recipes.some((r) => r.trees.length > 0)
      ? rankByWorstCase(
          labels,
          results.recipes.map((r) => new Map(r.trees.map((t) => [sourceLabel(t.candidate), t.treesPooled]))),
        )
      : [],
  };
}

function rankingTable(
  title: string,
  ranked: readonly RankedCandidate[],
  recipes: readonly FineTuneRecipe[],
  note: string,
  extra: readonly RankedCandidate[] = [],
): ReportTable {
  return {
    title,
    columns: ["candidate", ...recipes.map((r) => r.name), "worst", "mean"],
    rows: [...ranked, ...extra].map((row) => [row.label, ...row.values, row.worst, row.mean]),
    note,
  };
}

/** The report page. */
export function recipeRobustnessPage(results: RecipeRobustnessResults): ReportPage {
  const rankings = recipeRankings(results);
  const recipes = results.recipes.map((r) => r.recipe);
  const heat = (ranked: readonly RankedCandidate[]): AccuracyCell[] =>
    ranked.flatMap((row) => recipes.map((recipe, i) => ({ split: recipe.name, root: row.label, ours: row.values[i]! })));
  const bestAgreement = rankings.agreement[0]!;
  const bestTrees = rankings.trees[0];
  const defaultAgreement = rankings.agreement.find((r) => r.label === results.defaultCandidate);
  const defaultTrees = rankings.trees.find((r) => r.label === results.defaultCandidate);
  const edges = results.recipes[0]!.agreement[0]!.total;
  return {
    slug: "recipe-robustness",
    title: "Does the direction signal survive other fine-tuning recipes?",
    summary:
      `Most robust by worst-recipe direction agreement: ${bestAgreement.label} (worst ${bestAgreement.worst.toFixed(2)}, mean ` +
      `${bestAgreement.mean.toFixed(2)}); default ${results.defaultCandidate}: worst ${defaultAgreement?.worst.toFixed(2) ?? "–"}.`,
    description:
      `From each of the ${results.roots.length} VTHR roots, ${results.chainsPerRoot} chains root → child → grandchild (random tasks, ` +
      `a grandchild's task differs from its parent's, own seeds) are fine-tuned under each of ${recipes.length} recipes — the same ` +
      `chains, tasks and seeds every time, only the recipe differs. ` +
      `Direction agreement: fraction of the ${edges} true edges per recipe whose parent has the higher score (specialization). ` +
      `Monotonicity: mean −ρ (Spearman, score vs step) over the recipe's fine-tunes (1 = falls at every snapshot). ` +
      "Trees: each root with its chains recovered with the cluster known (recovery defaults, the candidate as score). Candidates are " +
      "ranked by their worst recipe.",
    figures: [
      {
        title: "Direction agreement per candidate and recipe",
        spec: accuracyHeatTable(heat(rankings.agreement), { title: "Direction agreement on true edges, by recipe" }),
        caption: "Rows ranked by the worst recipe. 0.5 is a coin; near 0 a signal pointing the other way.",
      },
      ...(rankings.trees.length > 0
        ? [
            {
              title: "Tree recovery accuracy per candidate and recipe",
              spec: accuracyHeatTable(heat(rankings.trees), { title: "Tree accuracy (cluster known), by recipe" }),
              caption: "Rows ranked by the worst recipe.",
            },
          ]
        : []),
    ],
    tables: [
      {
        title: "Recipes and how well the fine-tunes trained",
        columns: ["recipe", "what", "fine-tunes", "steps", "mean final train loss", "mean eval accuracy"],
        rows: results.recipes.map((r) => [r.recipe.name, r.recipe.description, r.runs, r.steps, r.meanFinalLoss, r.meanEvalAccuracy]),
      },
      rankingTable(
        "Direction agreement by recipe (ranked by the worst recipe)",
        rankings.agreement,
        recipes,
        "−statistic: read reversed (expected to rise during fine-tuning). Fraction of true edges (root→child, child→grandchild) whose " +
          "parent scores higher. Ties count as wrong (a layer set the recipe never changes, e.g. MLP under LoRA-qv, ties).",
      ),
      rankingTable(
        "Monotonicity over fine-tuning by recipe: mean −ρ (ranked by the worst recipe)",
        rankings.monotonicity,
        recipes,
        "1 = every fine-tune's score falls at every snapshot; 0 = no trend (or a frozen layer set); negative = rises.",
      ),
      ...(rankings.trees.length > 0
        ? [
            rankingTable(
              "Tree recovery accuracy by recipe (ranked by the worst recipe)",
              rankings.trees,
              recipes,
              "Pooled over the roots' trees (root + its chains), cluster known. Last row: a constant score — what the distance alone orients right.",
              rankByWorstCase(
                ["none (constant score)"],
                results.recipes.map((r) => new Map([["none (constant score)", r.noDirection]])),
              ),
            ),
          ]
        : []),
    ],
    paperComparison: {
      source: "App. A (one recipe per split); SPEC §2 asks for robustness across recipes",
      rows: [
        {
          quantity: "most robust candidate: worst-recipe direction agreement",
          ours: `${bestAgreement.label} ${bestAgreement.worst.toFixed(3)}`,
          paper: "– (kurtosis, one recipe per split)",
        },
        { quantity: `default ${results.defaultCandidate}: worst-recipe agreement`, ours: defaultAgreement?.worst ?? null, paper: null },
        ...(bestTrees
          ? [{ quantity: "most robust candidate: worst-recipe tree accuracy", ours: `${bestTrees.label} ${bestTrees.worst.toFixed(3)}`, paper: null }]
          : []),
        ...(defaultTrees ? [{ quantity: `default ${results.defaultCandidate}: worst-recipe tree accuracy`, ours: defaultTrees.worst, paper: null }] : []),
      ],
    },
  };
}
