/**
 * The shared vocabulary of mother. Every stage (io, layers, stats, distance, tree,
 * recover) speaks these types; nothing here imports from a stage.
 */

/** Floating-point storage types we read from safetensors (SPEC §1). */
export type Dtype = "F64" | "F32" | "F16" | "BF16";

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

/** One tensor as described by a safetensors header, located on disk. */
export interface TensorInfo {
  /** Parameter name as stored, e.g. `vit.encoder.layer.0.attention.attention.query.weight`. */
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** The file holding the bytes (a shard for sharded checkpoints). */
  readonly file: string;
  /** Absolute byte offset of the first element in `file` (header already skipped). */
  readonly offset: number;
  /** Length in bytes. */
  readonly byteLength: number;
}

/** What a tensor is for, from its name (src/layers/classify-layer.ts). */
export type LayerKind =
  | "query"
  | "key"
  | "value"
  /** GPT-2 style fused query/key/value projection (`c_attn`). */
  | "qkv"
  | "attention-output"
  /** MLP up-projection (ViT/BERT `intermediate.dense`, Llama `up_proj`, GPT-2 `c_fc`). */
  | "mlp-in"
  /** Gated-MLP gate projection (Llama `gate_proj`). */
  | "mlp-gate"
  /** MLP down-projection (ViT/BERT `output.dense`, Llama `down_proj`, GPT-2 `mlp.c_proj`). */
  | "mlp-out"
  | "norm"
  | "embedding"
  | "head"
  /** Anything else (biases of unknown role, convolutions, …). */
  | "other";

/** A model found on disk: a folder of safetensors shards, or a single file. */
export interface ModelSource {
  /** Folder name, or file stem for a lone `.safetensors`. */
  readonly id: string;
  /** The folder or file the user pointed at. */
  readonly path: string;
  /** Every weight tensor, in header order across shards. */
  readonly tensors: readonly TensorInfo[];
}

/** Streaming per-layer moments and shape of the value distribution (f64 accumulation). */
export interface LayerStats {
  readonly count: number;
  readonly mean: number;
  readonly variance: number;
  readonly skewness: number;
  /** Pearson kurtosis E[(x−μ)^4]/E[(x−μ)^2]^2 (normal = 3), as in paper Eq. 3. */
  readonly kurtosis: number;
  readonly min: number;
  readonly max: number;
  /** Shannon entropy (nats) of a fixed-bin histogram over [min, max]. */
  readonly entropy: number;
}

/** Training stage that produced a model from its parent (paper §4.2). */
export type Stage = "generalization" | "specialization";

/** The statistic used as directional score k(u) (paper Eq. 3 and Fig. 14). */
export type ScoreName = "kurtosis" | "mean" | "variance" | "skewness" | "entropy";

/** Recovered or true Model Graph, in the CLI's JSON schema (SPEC §5). */
export interface ModelGraph {
  readonly models: readonly { id: string; path: string; stage: Stage; score: number }[];
  /** `confidence` (beyond SPEC §5, optional): how clearly this parent beat the next candidate, in [0, 1]. */
  readonly edges: readonly { parent: string; child: string; distance: number; confidence?: number }[];
  readonly trees: readonly (readonly string[])[];
}

/** Ground truth in the `mother evaluate --truth` format (SPEC §5). */
export interface TruthGraph {
  readonly models: readonly { id: string; stage: Stage; tree: string }[];
  readonly edges: readonly { parent: string; child: string }[];
}
