/**
 * Which candidate survives every condition (split, recipe): candidates ranked by their worst
 * value across conditions, then by their mean. A default must hold on trees trained by
 * recipes we did not write, so the worst case, not the average, decides (SPEC §2).
 */

/** One candidate's values across conditions, with the summaries it is ranked by. */
export interface RankedCandidate {
  readonly label: string;
  /** Value per condition, in condition order (NaN where missing). */
  readonly values: readonly number[];
  /** Smallest value; NaN counts as the worst possible (−∞ for ranking, NaN shown). */
  readonly worst: number;
  readonly mean: number;
}

/** Ranks `labels` by worst then mean value over `conditions` (each a map label → value); ties keep input order. */
export function rankByWorstCase(labels: readonly string[], conditions: readonly ReadonlyMap<string, number>[]): RankedCandidate[] {
  const rows = labels.map((label, index) => {
    const values = conditions.map((condition) => condition.get(label) ?? Number.NaN);
    const worst = values.some(Number.isNaN) ? Number.NaN : Math.min(...values);
    const finite = values.filter((v) => !Number.isNaN(v));
    const mean = finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
    return { label, values, worst, mean, index };
  });
  const key = (v: number) => (Number.isNaN(v) ? -Infinity : v);
  rows.sort((a, b) => key(b.worst) - key(a.worst) || key(b.mean) - key(a.mean) || a.index - b.index);
  return rows.map(({ index: _index, ...row }) => row);
}
