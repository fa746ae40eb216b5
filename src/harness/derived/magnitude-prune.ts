/**
 * Unstructured magnitude pruning, the simplest way people shrink a checkpoint: the given
 * fraction of a matrix's entries with the smallest |w| are set to zero, the rest kept.
 */

/**
 * Zeroes exactly round(fraction · n) entries of `values`: those with the smallest |w|, ties
 * broken by position (the earlier entry is pruned first), so the result is deterministic.
 * Returns new f64 values; the input is untouched. `fraction` must lie in [0, 1].
 */
export function magnitudePrune(values: Float32Array | Float64Array, fraction: number): Float64Array {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must lie in [0, 1] (got ${fraction})`);
  const out = Float64Array.from(values);
  const pruned = Math.round(fraction * values.length);
  if (pruned === 0) return out;
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const sorted = Array.from(order).sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
  for (let k = 0; k < pruned; k++) out[sorted[k]!] = 0;
  return out;
}
