/**
 * The numeric statistics of a layer, in the order the stats table (stats-table.ts), the index
 * (index-store.ts) and the known layers (known-layers.ts) store them; each is a LayerStats field.
 * Its own module so that code packing statistics need not load Apache Arrow (~0.04 s of CPU a thread).
 */
export const STAT_COLUMNS = ["count", "mean", "variance", "skewness", "kurtosis", "min", "max", "entropy"] as const;
