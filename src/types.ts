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
  /**
   * Set when the bytes are not plain little-endian `dtype` values (a GGUF tensor in ggml blocks,
   * or stored in llama.cpp's rotary row order): the reader decodes them to `dtype` ("F32").
   */
  readonly encoding?: TensorEncoding;
  /**
   * Set on a PEFT adapter's layer seen as a model's (src/io/peft/adapter-tensor.ts): the values
   * are `base` plus this low-rank update, formed while reading; the tensor itself is f32 and
   * `file`/`offset` name the adapter's factors.
   */
  readonly lowRank?: LowRankDelta;
}

/** A tensor's value as base + scale · left · right, rows formed on demand (PEFT LoRA: B · A). */
export interface LowRankDelta {
  /** The base model's tensor the update applies to (same shape). */
  readonly base: TensorInfo;
  /** lora_A [rank, in]. */
  readonly a: TensorInfo;
  /** lora_B [out, rank]. */
  readonly b: TensorInfo;
  readonly scale: number;
  /** The stored weight is [in, out] (GPT-2 Conv1D, peft's fan_in_fan_out): Δ is (B · A)ᵀ. */
  readonly transposed: boolean;
}

/** The ggml storage types mother decodes (ggml-common.h's block formats; K-quants use 256-value super-blocks). */
export type GgmlType = "F32" | "F16" | "BF16" | "Q4_0" | "Q4_1" | "Q5_0" | "Q5_1" | "Q8_0" | "Q2_K" | "Q3_K" | "Q4_K" | "Q5_K" | "Q6_K";

/** How a GGUF tensor is stored (src/io/gguf/read-gguf.ts). */
export interface TensorEncoding {
  readonly format: "gguf";
  readonly ggmlType: GgmlType;
  /**
   * Rows (PyTorch dim 0) come in llama.cpp's rotary order, in this many heads: the reader puts
   * them back in the Hugging Face order (src/io/gguf/gguf-names.ts).
   */
  readonly ropeHeads?: number;
}

/** What a tensor is for, from its name (src/layers/classify-layer.ts). */
export type LayerKind =
  | "query"
  | "key"
  | "value"
  /** A fused projection of several of query/key/value (GPT-2 `c_attn`, InternLM2 `wqkv`, DeepSeek's latent `kv_b_proj`). */
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

/** How a model is stored on disk (SPEC §8); recovery reports it per model. */
export type ModelFormat = "safetensors" | "gguf" | "peft";

/** A model found on disk: a folder of safetensors shards, or a single file. */
export interface ModelSource {
  /** Folder name, or file stem for a lone `.safetensors`. */
  readonly id: string;
  /** The folder or file the user pointed at. */
  readonly path: string;
  /** Every weight tensor, in header order across shards. */
  readonly tensors: readonly TensorInfo[];
  /** How the model is stored; absent means safetensors (the readers that know better set it). */
  readonly format?: ModelFormat;
  /**
   * Set for a PEFT adapter folder. Until its base is known `tensors` are the adapter's own;
   * once attached (src/io/peft/attach-adapters.ts), its base's with the update applied.
   */
  readonly adapter?: PeftAdapter;
  /** For an attached adapter: the id of the model it applies to. */
  readonly base?: string;
}

/** A PEFT LoRA adapter folder, as read from its config and header (src/io/peft/read-peft-adapter.ts). */
export interface PeftAdapter {
  readonly configFile: string;
  readonly weightsFile: string;
  /** The base the config names (`base_model_name_or_path`: a hub id or a path), if any. */
  readonly baseModel: string | undefined;
  /** peft's fan_in_fan_out: decides the orientation of square GPT-2 Conv1D weights. */
  readonly fanInFanOut: boolean;
  readonly modules: readonly LoraModule[];
  /** Whole tensors the adapter replaces in its base (modules_to_save, biases), peft's prefix removed. */
  readonly replaced: readonly TensorInfo[];
}

/** One adapted module of a PEFT adapter: its factors and the scale of their product. */
export interface LoraModule {
  /** The module's name as peft saved it, prefix removed, e.g. `model.layers.0.self_attn.q_proj`. */
  readonly module: string;
  /** lora_A [rank, in]. */
  readonly a: TensorInfo;
  /** lora_B [out, rank]. */
  readonly b: TensorInfo;
  readonly rank: number;
  /** alpha / rank (rsLoRA: alpha / √rank), per-module patterns applied. */
  readonly scale: number;
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

/**
 * How a child was made from its parent(s) (SPEC §8; the values of a Hugging Face model card's
 * `base_model_relation`): full fine-tuning or continued training; a LoRA/PEFT delta (an adapter
 * folder or a merged low-rank update); a lossy or re-saved copy (GGUF, int8/4-bit, f16/bf16
 * re-save — today's storage twins); a combination of two or more parents.
 */
export type RelationType = "finetune" | "adapter" | "quantized" | "merge";

/** Every relation type, in the order reports list them. */
export const RELATION_TYPES: readonly RelationType[] = ["finetune", "adapter", "quantized", "merge"];

/** One model of a recovered Model Graph. */
export interface GraphModel {
  readonly id: string;
  readonly path: string;
  /** How the model is stored (optional: graphs written before typed output lack it). */
  readonly format?: ModelFormat;
  readonly stage: Stage;
  /** The directional score (the statistic the model's tree was oriented by). */
  readonly score: number;
}

/**
 * One edge of a recovered Model Graph: `child` was made from `parent` as `type` says. A merge is
 * one edge per parent, all of type "merge" and with the same child; that is the only place a
 * child has more than one parent (the graph is a DAG there, a forest everywhere else).
 */
export interface GraphEdge {
  readonly parent: string;
  readonly child: string;
  readonly type: RelationType;
  readonly distance: number;
  /** How clearly this parent beat the next candidate, in [0, 1] (beyond SPEC §5, optional). */
  readonly confidence?: number;
  /**
   * Merge edges only, optional: the child's mixing weights, parent id → weight, one entry per
   * merge parent of the child, the same object on each of them (so one edge tells the whole mix).
   */
  readonly coefficients?: Readonly<Record<string, number>>;
}

/**
 * How one tree's direction was decided (src/direction/orient-tree.ts): the registry rule whose
 * statistic oriented it, which way that statistic moves from parent to child there, and the
 * arborescence cost gap to the other orientation in λ, under the same forbidden pairs (0: a tie;
 * negative: given stages, or a pair rule whose trend holds at any stage, run against the tree's costs).
 */
export interface TreeDirection {
  /** The tree's root id (trees are matched by root). */
  readonly root: string;
  /** A rule name of src/direction/registry.ts, e.g. "kurtosis", "variance", "variance-lora". */
  readonly rule: string;
  readonly trend: "falls" | "rises" | "mixed";
  readonly margin: number;
  /** What settled the orientation: given stages, auto's branches, nothing (a tie), the chain rule, a rule that holds at any stage, or a single model. */
  readonly decidedBy: "stages" | "branches" | "tie" | "init-distance" | "rule" | "single";
}

/** Recovered Model Graph, in the CLI's JSON schema (SPEC §5, typed as in SPEC §8). */
export interface ModelGraph {
  readonly models: readonly GraphModel[];
  readonly edges: readonly GraphEdge[];
  readonly trees: readonly (readonly string[])[];
  /** Facts about the graph a reader needs (e.g. an adapter whose base is not in the set). */
  readonly notes: readonly string[];
  /** Per recovered tree, how its direction was decided (optional: older graphs and truth files lack it). */
  readonly directions?: readonly TreeDirection[];
}

/** Ground truth in the `mother evaluate --truth` format (SPEC §5; typed edges as in SPEC §8). */
export interface TruthGraph {
  readonly models: readonly { id: string; stage: Stage; tree: string }[];
  /** `type` is optional: untyped truth scores edges only, not their types. */
  readonly edges: readonly { parent: string; child: string; type?: RelationType }[];
}
