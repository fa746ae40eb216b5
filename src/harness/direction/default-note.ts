/**
 * The leaderboard's paragraph on the default (issue #13: "the default marked, and a paragraph on
 * why it is the default"), written from the numbers so it cannot drift from them: how the
 * default does without flags, which rule the board ranks first, and whether choosing the board's
 * best rule holds out of sample (leave-one-family-out selection) against the default on the
 * same held-out families.
 */
import { DEFAULT_ENTRY, type BoardCell, type PooledScores, type SelectionFold } from "./leaderboard.ts";

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");

/** The paragraph. */
export function defaultNote(pooledAuto: readonly PooledScores[], selection: readonly SelectionFold[], cells: readonly BoardCell[]): string {
  const byName = new Map(pooledAuto.map((p) => [p.entry, p]));
  const standing = byName.get(DEFAULT_ENTRY);
  if (!standing) return "The default policy was not scored.";
  const best = [...pooledAuto].sort((a, b) => b.familyMean - a.familyMean)[0]!;
  // The default on exactly the held-out families the selection scored.
  let defaultCorrect = 0;
  let pickedCorrect = 0;
  let edges = 0;
  for (const fold of selection) {
    const heldOut = (entry: string) => cells.filter((c) => c.entry === entry && fold.benchmarks.includes(c.benchmark));
    for (const c of heldOut(DEFAULT_ENTRY)) defaultCorrect += c.auto.directed;
    for (const c of heldOut(fold.picked)) pickedCorrect += c.auto.directed;
    edges += fold.edges;
  }
  const picks = [...new Set(selection.map((s) => s.picked))];
  const domains = `ViT ${f2(standing.byDomain.vit)}, LM ${f2(standing.byDomain.lm)}, generalization ${f2(standing.byDomain.generalization)}`;
  const head =
    `With no flags the default orients ${f2(standing.pooled)} of all true edges (family mean ${f2(standing.familyMean)}; ${domains}; ` +
    `worst ${standing.worst.benchmark} ${f2(standing.worst.accuracy)}). `;
  const leader =
    best.entry === DEFAULT_ENTRY
      ? "It is also first by family mean. "
      : `First by family mean is ${best.entry} (${f2(best.familyMean)}; ViT ${f2(best.byDomain.vit)}, LM ${f2(best.byDomain.lm)}, ` +
        `generalization ${f2(best.byDomain.generalization)}). `;
  const outOfSample =
    `Chosen leave-one-family-out (best family mean on the other families), the pick was ${picks.join(" / ")}; on the held-out ` +
    `families it recovered ${pickedCorrect}/${edges} edges, the default ${defaultCorrect}/${edges}. `;
  const verdict =
    pickedCorrect > defaultCorrect
      ? "Choosing by the board beats the default out of sample, so a change of default is worth considering — if it also keeps every per-benchmark target (docs/direction.md)."
      : "Choosing by the board does not beat the default out of sample, so the default stays.";
  return head + leader + outOfSample + verdict;
}
