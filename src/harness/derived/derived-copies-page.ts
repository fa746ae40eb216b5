/** The page experiments/derived-copies.ts publishes, from its scored runs and recognitions. */
import { accuracyHeatTable, type Cell, type ReportPage } from "../../report/index.ts";
import type { Placement } from "./copy-placement.ts";
import { DERIVED_KINDS, type DerivedKind } from "./derived-kinds.ts";
import type { SourceChoice } from "./pick-sources.ts";
import type { Recognition } from "./recognise-copies.ts";
import { countPlacements, type AugmentedRun } from "./recover-with-copies.ts";
import type { StorageSignature } from "./storage-signature.ts";

/** A run label for every kind's copies added together. */
export const ALL_KINDS = "all kinds";

/** The report page (reports/derived-copies.html): placement, original edges, recognition and the statistics' moves. */
export function derivedCopiesPage(
  runs: readonly AugmentedRun[],
  recognitions: readonly Recognition[],
  kinds: readonly DerivedKind[],
  sources: SourceChoice,
  skipped: readonly string[],
): ReportPage {
  const sets = [...new Set(runs.map((r) => r.set))];
  const labels = [...kinds, ...(kinds.length > 1 ? [ALL_KINDS] : [])];
  const baselineOf = (set: string) => runs.find((r) => r.set === set && r.kind === "none")!;
  const augmented = runs.filter((r) => r.kind !== "none");
  const fraction = (a: number, b: number): Cell => (b === 0 ? null : a / b);
  const pooled = (label: string) => {
    const group = augmented.filter((r) => r.kind === label);
    const placements = group.flatMap((r) => r.placements);
    const before = sum(group.map((r) => baselineOf(r.set).fates.correct));
    const total = sum(group.map((r) => r.fates.total));
    return { group, placements, before, total };
  };
  const summaryRows = labels.map((label): Cell[] => {
    const { group, placements, before, total } = pooled(label);
    const n = placements.length;
    const by = (p: Placement) => placements.filter((x) => x.placement === p).length;
    return [
      label,
      n,
      fraction(by("under source"), n),
      fraction(by("above source"), n),
      fraction(by("elsewhere"), n),
      fraction(by("other tree"), n),
      fraction(before, total),
      fraction(sum(group.map((r) => r.fates.correct)), total),
      fraction(sum(group.map((r) => r.collapsed * r.fates.total)), total),
      sum(group.map((r) => r.fates.underCopyOfParent)),
      sum(group.map((r) => r.fates.underOwnCopy)),
      sum(group.map((r) => r.fates.underOtherCopy)),
      sum(group.map((r) => r.fates.reversed)),
      `${group.filter((r) => r.trees === r.trueTrees).length}/${group.length}`,
      `${group.filter((r) => r.trees === baselineOf(r.set).trees).length}/${group.length}`,
      fraction(placements.filter((p) => p.copyKurtosis > p.sourceKurtosis).length, n),
      fraction(placements.filter((p) => p.copyVariance > p.sourceVariance).length, n),
    ];
  });
  const perSetRows = sets.flatMap((set) => {
    const base = baselineOf(set);
    return [base, ...augmented.filter((r) => r.set === set)].map((r): Cell[] => [
      set,
      r.kind,
      r.copies,
      r.kind === "none" ? null : countPlacements(r, "under source"),
      r.kind === "none" ? null : countPlacements(r, "above source"),
      r.kind === "none" ? null : countPlacements(r, "elsewhere") + countPlacements(r, "other tree"),
      fraction(r.fates.correct, r.fates.total),
      r.collapsed,
      r.fates.underCopyOfParent + r.fates.underOtherCopy,
      r.fates.reversed,
      `${r.trees}/${r.trueTrees}`,
      r.clustering,
      [...new Set(r.distances)].join("+"),
      r.stages,
      r.stageChanged,
    ]);
  });
  const directionRows = labels
    .filter((l) => l !== ALL_KINDS)
    .map((label): Cell[] => {
      const { placements } = pooled(label);
      const ratio = (a: number, b: number) => a / b - 1;
      const mean = (xs: number[]) => (xs.length === 0 ? null : sum(xs) / xs.length);
      const ratios = placements
        .map((p) => p.twinRatio)
        .filter((x): x is number => x !== null)
        .sort((a, b) => a - b);
      const under = placements.filter((p) => p.placement === "under source");
      const above = placements.filter((p) => p.placement === "above source");
      return [
        label,
        mean(placements.map((p) => p.copyKurtosis - p.sourceKurtosis)),
        Math.min(...placements.map((p) => p.copyKurtosis - p.sourceKurtosis)),
        Math.max(...placements.map((p) => p.copyKurtosis - p.sourceKurtosis)),
        mean(placements.map((p) => ratio(p.copyVariance, p.sourceVariance))),
        mean(placements.map((p) => ratio(p.copyScore, p.sourceScore))),
        `${placements.filter((p) => p.scoreSaysChild).length}/${placements.length}`,
        `${under.filter((p) => p.scoreSaysChild).length + above.filter((p) => !p.scoreSaysChild).length}/${under.length + above.length}`,
        ratios.length === 0 ? null : ratios[Math.floor(ratios.length / 2)]!,
        ratios.length === 0 ? null : ratios.at(-1)!,
      ];
    });
  const expectedVerdict = (kind: DerivedKind) => (kind === "prune30" ? "pruned" : kind);
  const allOriginals = recognitions.flatMap((r) => r.originals);
  const recognitionRows = kinds.map((kind): Cell[] => {
    const copies = recognitions.flatMap((r) => r.copies.filter((c) => c.kind === kind));
    const mean = (pick: (s: StorageSignature) => number) => (copies.length === 0 ? null : sum(copies.map((c) => pick(c.signature))) / copies.length);
    return [
      kind,
      copies.length,
      `${copies.filter((c) => c.verdict === expectedVerdict(kind)).length}/${copies.length}`,
      `${copies.filter((c) => c.verdict === "none").length}/${copies.length}`,
      mean((s) => s.zeroFraction),
      mean((s) => s.int8GridRows),
      mean((s) => s.int4GridRows),
      mean((s) => s.f16Matrices),
      `${copies.filter((c) => c.nearestIsSource.byMax).length}/${copies.length}`,
      `${copies.filter((c) => c.nearestIsSource.byMean).length}/${copies.length}`,
    ];
  });
  recognitionRows.push([
    "originals",
    allOriginals.length,
    `${allOriginals.filter((o) => o.verdict !== "none").length}/${allOriginals.length} flagged`,
    `${allOriginals.filter((o) => o.verdict === "none").length}/${allOriginals.length}`,
    sum(allOriginals.map((o) => o.signature.zeroFraction)) / Math.max(1, allOriginals.length),
    sum(allOriginals.map((o) => o.signature.int8GridRows)) / Math.max(1, allOriginals.length),
    sum(allOriginals.map((o) => o.signature.int4GridRows)) / Math.max(1, allOriginals.length),
    sum(allOriginals.map((o) => o.signature.f16Matrices)) / Math.max(1, allOriginals.length),
    null,
    null,
  ]);
  const cells = labels.flatMap((label) =>
    augmented
      .filter((r) => r.kind === label)
      .map((r) => ({ split: label, root: r.set, ours: r.copies === 0 ? 0 : countPlacements(r, "under source") / r.copies })),
  );
  const keptCells = labels.flatMap((label) =>
    augmented.filter((r) => r.kind === label).map((r) => ({ split: label, root: r.set, ours: r.fates.total === 0 ? 0 : r.fates.correct / r.fates.total })),
  );
  return {
    slug: "derived-copies",
    title: "Quantised, half-precision and pruned copies: are they placed under their source?",
    description:
      `Copies made from existing models (${sources === "all" ? "every model" : "per tree: the root, the first inner model and the first two leaves"}), ` +
      "written as new model folders with unchanged tensor names, only the 2-D matrices transformed: " +
      DERIVED_KINDS.filter((k) => kinds.includes(k.name))
        .map((k) => `${k.name} = ${k.about}`)
        .join("; ") +
      ". " +
      `Source sets: ${sets.join(", ")} (PyTorch-trained trees of experiments/foreign-trees.ts, 9 models each; the VTHR FT split, 105 models in 5 trees). ` +
      "Each set is recovered alone, then with one kind's copies added, then with every kind's copies at once, by the library with " +
      "the defaults (as `mother recover DIR`: stage auto, trees auto, distance auto, score auto, λ 0.3). A copy's true parent is its " +
      "source." +
      (skipped.length > 0 ? ` Skipped (no cache): ${skipped.join("; ")}.` : ""),
    figures: [
      {
        title: "Copies placed under their source",
        spec: accuracyHeatTable(cells, { title: "Fraction of copies whose recovered parent is their source" }),
        caption: "One row per source set, one column per copy kind; 1 = every copy hangs directly under the model it was made from.",
      },
      {
        title: "Original edges kept",
        spec: accuracyHeatTable(keptCells, { title: "Original edges still recovered with copies added" }),
        caption: "Directed accuracy over the set's own true edges once the copies are in the set (compare the 'none' rows of the per-set table).",
      },
    ],
    tables: [
      {
        title: "Per copy kind, pooled over the source sets",
        columns: [
          "kind",
          "copies",
          "under source",
          "above source",
          "elsewhere",
          "other tree",
          "orig. edges before",
          "orig. edges after",
          "after, twins merged",
          "child → parent's copy",
          "child → own copy",
          "child → other copy",
          "orig. reversed",
          "trees right",
          "trees as before",
          "kurtosis up",
          "variance up",
        ],
        rows: summaryRows,
        note:
          "under/above source: the recovered edge is source → copy (right) or copy → source (direction flipped); elsewhere: another " +
          "parent in the same tree; other tree: split off. orig. edges: directed accuracy on the true edges among the original models, " +
          "without copies (before) and with them (after); twins merged: the same with every copy read as its source (right up to which " +
          "twin holds which edge); child → parent's copy: original edges whose child now hangs under a copy of its true parent (a stolen " +
          "child); child → own copy: the child's copy moved in between (parent → copy → child); trees right: runs whose --trees auto " +
          "count equals the true count. kurtosis/variance up: copies whose mean layer statistic over the score layers exceeds their " +
          "source's.",
      },
      {
        title: "Per source set and copy kind",
        columns: [
          "set",
          "kind",
          "copies",
          "under",
          "above",
          "elsewhere/other",
          "orig. edges",
          "twins merged",
          "stolen children",
          "orig. reversed",
          "trees found/true",
          "clustering",
          "distance",
          "stage auto chose",
          "models whose stage changed",
        ],
        rows: perSetRows,
        note:
          "kind none = the set alone (the baseline). stage auto chose: the trend(s) --stage auto picked for the original models' trees; " +
          "the last column counts original models whose label differs from the baseline's.",
      },
      {
        title: "Could the copies be recognised from storage alone? (src/harness/derived/storage-signature.ts)",
        columns: [
          "models",
          "n",
          "named right",
          "look trained",
          "exact zeros",
          "rows on int8 grid",
          "rows on 16-level grid",
          "F16 matrices",
          "nearest by ℓ_FT is source",
          "nearest by mean |Δw| is source",
        ],
        rows: recognitionRows,
        note:
          "Over each model's 2-D matrices: the fraction of exact zeros, of rows whose values all lie on the symmetric int8 grid " +
          "k·max|row|/127 or on the 16-level grid from row min to max, and of matrices stored as F16. Verdict: ≥ 0.9 of rows on the " +
          "16-level grid → int4, on the int8 grid → int8, ≥ 0.2 zeros → pruned, ≥ 0.9 F16 matrices → fp16. F16 is evidence only against " +
          "F32/BF16 siblings: a family shipped in F16 throughout would be flagged whole. nearest … is source: among the original models " +
          "of the source's tree, the one closest to the copy (ℓ_FT: max |Δw| per attention layer over the tree's min-max range, max over " +
          "layers; mean |Δw|: the same range, mean over layers) is its source — so a rule that hangs each recognised copy under its " +
          "nearest model would place it right.",
      },
      {
        title: "Which way the copy moved the directional statistics",
        columns: [
          "kind",
          "mean Δ layer kurtosis",
          "min Δ",
          "max Δ",
          "mean rel. Δ variance",
          "mean rel. Δ score",
          "score says child",
          "placement follows score",
          "twin/smallest edge (median)",
          "(max)",
        ],
        rows: directionRows,
        note:
          "Δ = copy − source of the mean Pearson kurtosis over the score layers (attention + MLP); score = the statistic recovery used " +
          "for the tree (summed kurtosis for ℓ_FT, summed variance for ℓ_LoRA trees); score says child: copies that the score and the " +
          "trend --stage auto chose for the tree make look like their source's child; placement follows score: copies placed under " +
          "(above) their source exactly when the score says child (parent). twin/smallest edge: ℓ_FT between a copy and its adjacent " +
          "source over the smallest ℓ_FT between two original models of the same recovered tree (ℓ_FT trees only): below 1, the copy is " +
          "closer to its source than any true parent is to its child.",
      },
    ],
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
