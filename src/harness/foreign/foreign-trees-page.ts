/** The page experiments/foreign-trees.ts publishes (reports/foreign-trees.html) from its scored runs. */
import { accuracyHeatTable, type Cell, type ReportPage } from "../../report/index.ts";
import type { TruthGraph } from "../../types.ts";
import type { ForeignRecipe } from "./foreign-recipes.ts";
import type { RunScores, Variant } from "./foreign-scores.ts";

/** One recipe's truth and its runs, in variants order (the first is the default). */
export interface RecipeRuns {
  readonly recipe: ForeignRecipe;
  readonly truth: TruthGraph;
  readonly runs: RunScores[];
}

/** The report page: per recipe × variant accuracy, the default run in detail, and the pooled runs. */
export function foreignTreesPage(
  perRecipe: readonly RecipeRuns[],
  pooled: readonly RunScores[],
  variants: readonly Variant[],
  preset: "full" | "quick",
): ReportPage {
  const cells = perRecipe.flatMap(({ recipe, runs }) => runs.map((run) => ({ split: run.variant, root: recipe.name, ours: run.directed })));
  const run = (runs: readonly RunScores[], name: string) => runs.find((r) => r.variant === name)!;
  const distanceText = (r: RunScores) => [...new Set(r.distances)].join("+");
  const models = perRecipe[0]?.truth.models.length ?? 0;
  const tables = [
    {
      title: "Directed edge accuracy by recipe and recovery option",
      columns: ["recipe", "edges", ...variants.map((v) => v.name)],
      rows: perRecipe.map(({ recipe, runs }): Cell[] => [recipe.name, runs[0]!.total, ...variants.map((v) => run(runs, v.name).directed)]),
      note:
        "default = what `bun run mother recover DIR` does (stage auto, trees auto, distance auto, score auto, λ 0.3); every other " +
        "column changes one option from it.",
    },
    {
      title: "Default recovery in detail",
      columns: [
        "recipe",
        "directed",
        "undirected",
        "agreement",
        "trees found",
        "distance",
        "kurtosis agr.",
        "variance agr.",
        "root layer kurt.",
        "others' layer kurt.",
        "stage auto chose",
      ],
      rows: perRecipe.map(({ recipe, truth, runs }): Cell[] => {
        const d = run(runs, "default");
        const rootId = truth.models.find((m) => !truth.edges.some((e) => e.child === m.id))!.id;
        const others = Object.entries(d.layerKurtosis)
          .filter(([id]) => id !== rootId)
          .map(([, k]) => k);
        return [
          recipe.name,
          d.directed,
          d.undirected,
          d.agreement,
          d.trees,
          distanceText(d),
          run(runs, "score kurtosis").agreement,
          run(runs, "score variance").agreement,
          d.layerKurtosis[rootId] ?? null,
          others.length > 0 ? others.reduce((a, b) => a + b, 0) / others.length : null,
          [...new Set(d.graph.models.map((m) => m.stage))].join("+"),
        ];
      }),
      note:
        "undirected: true edges recovered in either orientation (placement); agreement: fraction of true edges on which the run's " +
        "score moves as recovery assumes (kurtosis falls, variance rises parent → child); layer kurt.: mean Pearson kurtosis over the " +
        "score layers (torch's kaiming-uniform init gives 1.8, a normal 3).",
    },
    ...(pooled.length > 0
      ? [
          {
            title: `All ${perRecipe.length} recipes pooled into one run (${pooled[0]!.graph.models.length} models, ${perRecipe.length} true trees)`,
            columns: ["run", "trees found", "clustering", "directed", "undirected", "distances"],
            rows: pooled.map((r): Cell[] => [r.variant, r.trees, r.clustering, r.directed, r.undirected, distanceText(r)]),
          },
        ]
      : []),
  ];
  return {
    slug: "foreign-trees",
    title: "Recovery of trees trained by PyTorch (other people's code and recipes)",
    description:
      `${perRecipe.length} model trees (${models} models each: a root pre-trained on a mixture of 7 procedural tasks, children and grandchildren fine-tuned ` +
      `on single tasks with new heads) ` +
      `trained by experiments/foreign-trees/train_tree.py with PyTorch ${preset === "quick" ? "(quick preset)" : ""} — torch default init, torch.optim, ` +
      "Hugging Face ViT names, safetensors written by hand — then recovered by our library exactly as `mother recover DIR` does, and " +
      "with one option changed at a time. Recipes: " +
      perRecipe.map(({ recipe }) => `${recipe.name}: ${recipe.about}`).join("; ") +
      ".",
    figures: [
      {
        title: "Directed edge accuracy per recipe and recovery option",
        spec: accuracyHeatTable(cells, { title: "Directed edge accuracy (foreign PyTorch trees)" }),
        caption: "One row per PyTorch recipe, one column per recovery option; the cell is the fraction of true edges recovered with the right direction.",
      },
    ],
    tables,
  };
}
