/**
 * llama.cpp tensor names ↔ Hugging Face names, and the rotary row order of Q and K.
 *
 * llama.cpp's convert_hf_to_gguf.py renames a Llama checkpoint's tensors (`model.layers.3.
 * self_attn.q_proj.weight` → `blk.3.attn_q.weight`) and, for the architectures whose rotary
 * embedding pairs neighbouring dimensions ("llama": Llama, Mistral, Mixtral…), permutes the rows
 * of q_proj and k_proj within each head: Hugging Face keeps the two rotary halves of a head
 * apart (rows i and i + d/2 form a pair), llama.cpp interleaves them (rows 2i and 2i + 1). We map
 * names back and undo the permutation while reading, so a GGUF and its safetensors source land
 * in one architecture group and compare weight for weight.
 */

/** Per-block names: llama.cpp suffix after `blk.N.` → Hugging Face suffix after `model.layers.N.`. */
const BLOCK_NAMES: readonly (readonly [string, string])[] = [
  ["attn_q", "self_attn.q_proj"],
  ["attn_k", "self_attn.k_proj"],
  ["attn_v", "self_attn.v_proj"],
  ["attn_output", "self_attn.o_proj"],
  ["ffn_gate", "mlp.gate_proj"],
  ["ffn_up", "mlp.up_proj"],
  ["ffn_down", "mlp.down_proj"],
  ["attn_norm", "input_layernorm"],
  ["ffn_norm", "post_attention_layernorm"],
];

/** Whole-model names. */
const MODEL_NAMES: readonly (readonly [string, string])[] = [
  ["token_embd", "model.embed_tokens"],
  ["output_norm", "model.norm"],
  ["output", "lm_head"],
];

/** `general.architecture` values whose conversion permutes Q/K rows (convert_hf_to_gguf.py's LlamaModel). */
export const ROTARY_PERMUTED_ARCHITECTURES: ReadonlySet<string> = new Set(["llama"]);

const GGUF_BLOCK = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/;
const HF_BLOCK = /^model\.layers\.(\d+)\.([a-z_]+\.[a-z_]+|[a-z_]+)\.(weight|bias)$/;

/** The Hugging Face name of a llama.cpp tensor name; names outside the table are kept as they are. */
export function hfNameOf(ggufName: string): string {
  const block = GGUF_BLOCK.exec(ggufName);
  if (block) {
    const hf = BLOCK_NAMES.find(([gguf]) => gguf === block[2])?.[1];
    return hf ? `model.layers.${block[1]}.${hf}.${block[3]}` : ggufName;
  }
  const [stem, suffix] = splitSuffix(ggufName);
  const hf = MODEL_NAMES.find(([gguf]) => gguf === stem)?.[1];
  return hf && suffix ? `${hf}.${suffix}` : ggufName;
}

/** The llama.cpp name of a Hugging Face tensor name (inverse of hfNameOf on the table). */
export function ggufNameOf(hfName: string): string {
  const block = HF_BLOCK.exec(hfName);
  if (block) {
    const gguf = BLOCK_NAMES.find(([, hf]) => hf === block[2])?.[0];
    return gguf ? `blk.${block[1]}.${gguf}.${block[3]}` : hfName;
  }
  const [stem, suffix] = splitSuffix(hfName);
  const gguf = MODEL_NAMES.find(([, hf]) => hf === stem)?.[0];
  return gguf && suffix ? `${gguf}.${suffix}` : hfName;
}

function splitSuffix(name: string): [string, string | undefined] {
  const dot = name.lastIndexOf(".");
  const suffix = name.slice(dot + 1);
  return dot > 0 && (suffix === "weight" || suffix === "bias") ? [name.slice(0, dot), suffix] : [name, undefined];
}

/**
 * Heads of a tensor whose rows llama.cpp stores in rotary order: `attn_q` has
 * `<arch>.attention.head_count` heads, `attn_k` `head_count_kv` (default: head_count); any other
 * tensor, or an architecture whose conversion does not permute, has none (undefined).
 */
export function rotaryHeadsOf(
  ggufName: string,
  architecture: string | undefined,
  headCount: number | undefined,
  headCountKv: number | undefined,
): number | undefined {
  if (architecture === undefined || !ROTARY_PERMUTED_ARCHITECTURES.has(architecture)) return undefined;
  const block = GGUF_BLOCK.exec(ggufName);
  if (block?.[2] === "attn_q") return headCount;
  if (block?.[2] === "attn_k") return headCountKv ?? headCount;
  return undefined;
}

/**
 * The stored (llama.cpp) row holding Hugging Face row `row` of a tensor with `rows` rows in
 * `heads` heads. Within a head of d rows, HF row j·d/2 + i (half j, index i) is stored at 2i + j.
 */
export function storedRowOf(row: number, rows: number, heads: number): number {
  const headRows = rows / heads;
  const halfRows = headRows / 2;
  const head = Math.floor(row / headRows);
  const within = row - head * headRows;
  const half = within >= halfRows ? 1 : 0;
  return head * headRows + 2 * (within - half * halfRows) + half;
}

/** `values` (rows × cols, row-major) in llama.cpp's rotary row order: what the conversion writes. */
export function toRotaryOrder(values: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const permuted = new Float32Array(values.length);
  for (let row = 0; row < rows; row++) permuted.set(values.subarray(row * cols, (row + 1) * cols), storedRowOf(row, rows, heads) * cols);
  return permuted;
}
