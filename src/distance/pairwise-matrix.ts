/**
 * A symmetric n×n matrix of model-to-model distances, filled one layer at a time while that
 * layer of every model is in memory: ℓ_FT and ℓ_LoRA keep the running maximum over layers
 * (paper Eq. 1–2), the clustering distance the running sum (divide by the layer count for
 * the mean). The diagonal stays 0.
 */
export class PairwiseMatrix {
  /** n×n row-major; values[i*n + j] = values[j*n + i]. */
  readonly values: Float64Array;

  /** An all-zero n×n matrix, or one wrapping `values` (n² entries, not copied). */
  constructor(readonly size: number, values?: Float64Array) {
    if (values && values.length !== size * size) throw new RangeError(`pairwise matrix needs ${size * size} values, got ${values.length}`);
    this.values = values ?? new Float64Array(size * size);
  }

  /** The distance between models i and j. */
  get(i: number, j: number): number {
    return this.values[i * this.size + j]!;
  }

  /** Sets the distance between models i and j (both orientations). */
  set(i: number, j: number, value: number): void {
    this.values[i * this.size + j] = value;
    this.values[j * this.size + i] = value;
  }

  /** Keeps the larger of the stored value and `value` (max over layers). */
  maxWith(i: number, j: number, value: number): void {
    if (value > this.get(i, j)) this.set(i, j, value);
  }

  /** Adds `value` (sum over layers). */
  add(i: number, j: number, value: number): void {
    this.set(i, j, this.get(i, j) + value);
  }

  /** A copy with every entry multiplied by `factor` (sum over L layers × 1/L = mean). */
  scaled(factor: number): PairwiseMatrix {
    return new PairwiseMatrix(this.size, this.values.map((x) => x * factor));
  }

  /** The distances among the models `indices` (in that order), e.g. one cluster. */
  subset(indices: readonly number[]): PairwiseMatrix {
    const k = indices.length;
    const out = new PairwiseMatrix(k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) out.values[a * k + b] = this.get(indices[a]!, indices[b]!);
    return out;
  }

  /** Upper triangle row by row (scipy's condensed form): entry (i, j), i < j, in order. */
  condensed(): Float64Array {
    const n = this.size;
    const out = new Float64Array((n * (n - 1)) / 2);
    let k = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[k++] = this.get(i, j);
    return out;
  }
}
