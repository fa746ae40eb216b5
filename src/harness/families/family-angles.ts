/**
 * The angles the sibling-angle rule reads (src/distance/obtuse-siblings.ts), on a family's true
 * tree: for every true chain a → m → b the angle at m between a and b (independent updates: about
 * 90°, never obtuse, or the rule would cut a true edge), and for every two siblings the angle at
 * the nearer one between the parent and the farther one (obtuse: it lies on the way to its
 * sibling, the misplacement the rule prevents). Cosines by the law of cosines on recovery's own
 * Euclidean distance (tree-distance.ts, distanceEuclidean) over its distance layers.
 */
import type { ModelSource, TruthGraph } from "../../types.ts";
import { planLayers } from "../../recover/plan-layers.ts";
import { runLayerJobs } from "../../recover/layer-pool.ts";
import { distanceEuclidean } from "../../recover/tree-distance.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import { bug } from "../../errors.ts";
import { formatTable } from "../../report/print-table.ts";

/** One angle: at `at`, between `from` and `to`, as a cosine (0 = right angle, < 0 obtuse). */
export interface FamilyAngle {
  readonly kind: "chain" | "siblings";
  readonly at: string;
  readonly from: string;
  readonly to: string;
  readonly cosine: number;
}

/** Every chain and sibling angle of the family's true tree. */
export async function familyAngles(models: readonly ModelSource[], truth: TruthGraph): Promise<FamilyAngle[]> {
  const jobs = planLayers(models, DEFAULT_RECOVER_OPTIONS);
  const pass = await runLayerJobs(jobs, { workers: 0 });
  const ids = models.map((m) => m.id);
  const k = ids.length;
  const d = distanceEuclidean(
    ids.map((_, i) => i),
    jobs,
    pass,
  );
  const index = (id: string) => (ids.indexOf(id) >= 0 ? ids.indexOf(id) : bug(`family angles: no model ${id}`));
  const sq = (a: string, b: string) => d[index(a) * k + index(b)]! ** 2;
  const cosine = (at: string, from: string, to: string) => (sq(from, at) + sq(to, at) - sq(from, to)) / (2 * Math.sqrt(sq(from, at) * sq(to, at)));
  const parentOf = new Map(truth.edges.map((e) => [e.child, e.parent]));
  const out: FamilyAngle[] = [];
  for (const { parent: m, child: b } of truth.edges) {
    const a = parentOf.get(m);
    if (a !== undefined) out.push({ kind: "chain", at: m, from: a, to: b, cosine: cosine(m, a, b) });
  }
  for (const { parent, child: first } of truth.edges) {
    for (const { parent: other, child: second } of truth.edges) {
      if (other !== parent || second <= first) continue;
      const [near, far] = sq(parent, first) <= sq(parent, second) ? [first, second] : [second, first];
      out.push({ kind: "siblings", at: near, from: parent, to: far, cosine: cosine(near, parent, far) });
    }
  }
  return out;
}

/**
 * One row per family, one column per true chain or sibling pair: the cosine (and, for siblings,
 * at which one). Families of different trees (held-out set 2) get a table each.
 */
export function angleTable(results: readonly { readonly benchmark: string; readonly angles: readonly FamilyAngle[] }[]): string {
  const label = (a: FamilyAngle) => (a.kind === "chain" ? `chain ${a.from}→${a.at}→${a.to}` : `siblings of ${a.from}: ${[a.at, a.to].sort().join(", ")}`);
  // Families grouped by their tree (the sorted labels), in first-seen order.
  const byTree = new Map<string, (typeof results)[number][]>();
  for (const r of results) {
    const key = JSON.stringify(r.angles.map(label).sort());
    byTree.set(key, [...(byTree.get(key) ?? []), r]);
  }
  return [...byTree.values()].map((tree) => oneTreeAngleTable(tree, label)).join("\n\n");
}

function oneTreeAngleTable(
  results: readonly { readonly benchmark: string; readonly angles: readonly FamilyAngle[] }[],
  label: (a: FamilyAngle) => string,
): string {
  const labels = [...new Set(results.flatMap((r) => r.angles.map(label)))];
  const rows = results.map((r) => [
    r.benchmark,
    ...labels.map((l) => {
      const angle = r.angles.find((a) => label(a) === l);
      return angle ? `${angle.cosine.toFixed(2)}${angle.kind === "siblings" ? ` at ${angle.at}` : ""}` : "–";
    }),
  ]);
  const title =
    "Cosine of the angle at the middle model (chains) or at the nearer sibling, between the other two (< 0: obtuse; src/distance/obtuse-siblings.ts)";
  return formatTable(title, ["benchmark", ...labels], rows).join("\n");
}
