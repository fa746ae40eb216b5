/**
 * Mean ± standard deviation of repeated measurements (paper Table 4, Fig. 7). The std is
 * the population std (ddof = 0, numpy's default), so one sample gives std 0.
 */

export interface MeanAndStd {
  readonly mean: number;
  readonly std: number;
  readonly count: number;
}

/** Mean and population std; NaN for an empty list. */
export function meanAndStd(values: readonly number[]): MeanAndStd {
  const count = values.length;
  if (count === 0) return { mean: Number.NaN, std: Number.NaN, count };
  const mean = values.reduce((sum, v) => sum + v, 0) / count;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / count;
  return { mean, std: Math.sqrt(variance), count };
}

/** "0.870 ± 0.250" — how mean ± std reads in tables. */
export function formatMeanAndStd({ mean, std }: MeanAndStd): string {
  return `${mean.toFixed(3)} ± ${std.toFixed(3)}`;
}
