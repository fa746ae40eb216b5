/**
 * The report page of an "in-the-wild" family analogue (paper Fig. 1 and Fig. 8): the
 * recovered tree beside the truth, edge accuracy beside the paper's, why each true edge was
 * or was not recovered, the distances and scores, and whether the CLI agrees. Built only
 * from saved artefacts and recovery results — never trains.
 */
import { undirectedMatches } from "./family-placement.ts";
import type { ReportPage, ReportTable } from "../../report/index.ts";
import { treeComparisonFigure } from "../../report/index.ts";
import type { TruthGraph } from "../../types.ts";
import type { TrainSummary } from "../train-planned.ts";
import { distanceMatrixFigure } from "./distance-matrix-figure.ts";
import type { FamilyMatrices } from "./family-matrices.ts";
import type { FamilyMember } from "./family-member.ts";
import type { OrientationCost } from "./orientation-costs.ts";
import type { FamilyRecovery } from "./recover-family.ts";
import type { TrueEdgeDiagnosis } from "./true-edge-diagnosis.ts";
import { bug } from "../../errors.ts";

/** What the paper reports for the family it mirrors. */
export interface PaperFamilyClaim {
  /** e.g. "Fig. 1 and §6.2". */
  readonly source: string;
  /** The real family, e.g. "Llama 2". */
  readonly family: string;
  /** Paper's edge accuracy (Llama 2: 1.0; Stable Diffusion: 3 of 4 edges). */
  readonly accuracy: number;
  /** Paper's true edges whose direction the score got right, as a fraction (undefined: not reported). */
  readonly directionAgreement?: number;
  /** Its words, for the comparison note. */
  readonly note: string;
}

/** Everything the page shows. */
export interface FamilyResults {
  readonly slug: string;
  readonly title: string;
  readonly description: string;
  readonly paper: PaperFamilyClaim;
  readonly members: readonly FamilyMember[];
  readonly truth: TruthGraph;
  /** First = the paper's setting (its accuracy is the headline). */
  readonly recoveries: readonly FamilyRecovery[];
  readonly matrices: FamilyMatrices;
  /** Diagnosis of the true edges under the first recovery. */
  readonly diagnosis: readonly TrueEdgeDiagnosis[];
  /** The two global orientations `--stage auto` chooses between. */
  readonly orientations: readonly OrientationCost[];
  readonly training: ReadonlyMap<string, TrainSummary>;
  readonly dtype: string;
  /** The CLI run on the release folder with the first recovery's flags. */
  readonly cli: { readonly command: string; readonly edges: readonly string[]; readonly matchesLibrary: boolean };
}

/** The page. */
export function familyReportPage(results: FamilyResults): ReportPage {
  const [headline] = results.recoveries;
  if (!headline) bug("family-report: no recovery to report");
  const agree = results.diagnosis.filter((d) => d.directionAgrees).length;
  const total = results.diagnosis.length;
  const ids = results.truth.models.map((m) => m.id);
  const figures = results.recoveries.map((recovery, i) => ({
    title: `${i === 0 ? `${results.paper.source}: ` : ""}recovered (${recovery.variant.name}) beside the truth`,
    spec: treeComparisonFigure({
      recovered: recovery.graph.edges,
      truth: results.truth.edges,
      ids,
      title: `${recovery.variant.name}: edge accuracy ${recovery.scores.edges.correct}/${recovery.scores.edges.total}`,
    }),
    caption: "Left: the recovered tree; right: the true one. Red dashed: a recovered edge absent from the truth; orange dashed: a true edge recovery missed.",
  }));
  figures.push({
    title: "Distances recovery chose from",
    spec: distanceMatrixFigure(results.matrices, results.truth.edges),
    caption:
      "ℓ_FT (max |Δw| over the attention projections, each layer min-max normalised over the family). True edges are outlined in " +
      "red; a child whose nearest model is not its true parent is where the distance can mislead the tree.",
  });
  return {
    slug: results.slug,
    title: results.title,
    summary:
      `${results.paper.family} analogue (${ids.length} models, ${results.dtype}): edge accuracy ` +
      `${headline.scores.edges.correct}/${headline.scores.edges.total} (paper ${results.paper.accuracy.toFixed(2)}); score direction ` +
      `right on ${agree}/${total} true edges; CLI ${results.cli.matchesLibrary ? "agrees" : "DIFFERS"}.`,
    description: results.description,
    figures,
    tables: [
      membersTable(results),
      recoveriesTable(results),
      diagnosisTable(results.diagnosis),
      orientationTable(results.orientations),
      distanceTable(results.matrices),
      cliTable(results),
    ],
    paperComparison: {
      source: results.paper.source,
      rows: [
        { quantity: `edge accuracy (${headline.variant.name})`, ours: headline.scores.edges.accuracy, paper: results.paper.accuracy, note: results.paper.note },
        {
          quantity: "true edges ordered right by the directional score",
          ours: total === 0 ? null : agree / total,
          paper: results.paper.directionAgreement ?? null,
        },
        { quantity: "models / true edges", ours: `${ids.length} / ${results.truth.edges.length}`, paper: `${ids.length} / ${results.truth.edges.length}` },
      ],
    },
  };
}

function membersTable(results: FamilyResults): ReportTable {
  const scoreOf = new Map(results.matrices.ids.map((id, i) => [id, results.matrices.scores[i]!]));
  return {
    title: "The family: what each model is and how it was trained",
    columns: ["model", "stands in for", "parent", "stage", "trained on", "held-out loss", "ms/step", "directional score"],
    rows: results.members.map((m) => {
      const summary = results.training.get(m.id);
      return [
        m.id,
        m.paperName,
        m.parent ?? "(root)",
        m.stage,
        m.data,
        summary?.evals.at(-1)?.loss ?? null,
        summary?.msPerStep ?? null,
        scoreOf.get(m.id) ?? null,
      ];
    }),
    note:
      `Checkpoints are saved in ${results.dtype} with Hugging Face names; held-out loss is on data the model did not train on (its ` +
      `own corpus's tail, or its own eval images). Directional score = Σ ${results.matrices.statistic} over the ` +
      `${results.matrices.scoreKinds.join("/")} matrices (what recovery used).`,
  };
}

function recoveriesTable(results: FamilyResults): ReportTable {
  return {
    title: "Recovery under each setting",
    columns: ["setting", "correct edges", "true edges", "edge accuracy", "right ignoring direction", "trees found", "distance", "recovered edges"],
    rows: results.recoveries.map((r) => [
      r.variant.name,
      r.scores.edges.correct,
      r.scores.edges.total,
      r.scores.edges.accuracy,
      undirectedMatches(r.graph.edges, results.truth.edges),
      r.graph.trees.length,
      [...new Set(r.distances)].join(", "),
      r.graph.edges.map((e) => `${e.parent}→${e.child}`).join("  "),
    ]),
    note:
      "Right ignoring direction: true edges recovered as an edge in either direction — it separates a wrong stage or direction (the " +
      "tree reversed) from a wrong placement.",
  };
}

function diagnosisTable(diagnosis: readonly TrueEdgeDiagnosis[]): ReportTable {
  return {
    title: "Each true edge under the paper's setting: direction by score, parent by distance",
    columns: [
      "true edge",
      "stage",
      "outcome",
      "recovered parent",
      "score parent",
      "score child",
      "direction right",
      "init distance grows",
      "ℓ_FT",
      "parent's rank by ℓ_FT",
    ],
    rows: diagnosis.map((d) => [
      `${d.parent} → ${d.child}`,
      d.stage,
      d.outcome,
      d.recoveredParent ?? "(root)",
      d.parentScore,
      d.childScore,
      d.directionAgrees ? "yes" : "no",
      d.initDistanceGrows ? "yes" : "no",
      d.distance,
      d.parentRank,
    ]),
    note:
      "Direction right: specialization wants the parent's score above the child's, generalization below. Init distance grows: the " +
      "child's mean square weight (its expected distance from a synthetic init, src/direction/init-distance.ts) is above the parent's, " +
      "what --chain init-distance assumes at any stage. Rank 1 = the true parent is the child's nearest model.",
  };
}

function orientationTable(orientations: readonly OrientationCost[]): ReportTable {
  return {
    title: "What --stage auto weighs: the cheapest tree with every model labelled each way",
    columns: ["every model labelled", "arborescence cost in M", "correct edges", "true edges"],
    rows: orientations.map((o) => [o.stage, o.cost, o.correct, o.total]),
    note:
      "Auto keeps the cheaper orientation; a tie goes to specialization. A chain reversed is still a chain, so on a chain the two " +
      "costs are equal and auto cannot tell the stage.",
  };
}

function distanceTable(matrices: FamilyMatrices): ReportTable {
  const n = matrices.ids.length;
  return {
    title: "ℓ_FT matrix",
    columns: ["", ...matrices.ids],
    rows: matrices.ids.map((id, i) => [id, ...matrices.ids.map((_, j) => (i === j ? null : matrices.distance[i * n + j]!))]),
  };
}

function cliTable(results: FamilyResults): ReportTable {
  return {
    title: "The same recovery through the command line users run",
    columns: ["command", "edges", "same edges as the library run"],
    rows: [[results.cli.command, results.cli.edges.join("  "), results.cli.matchesLibrary ? "yes" : "no"]],
  };
}
