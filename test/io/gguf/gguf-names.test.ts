/** llama.cpp ↔ Hugging Face names and the rotary Q/K row order. */
import { describe, expect, test } from "bun:test";
import { ggufNameOf, hfNameOf, rotaryHeadsOf, storedRowOf, toRotaryOrder } from "../../../src/io/gguf/gguf-names.ts";
import { classifyLayer } from "../../../src/layers/classify-layer.ts";

const PAIRS: [string, string][] = [
  ["token_embd.weight", "model.embed_tokens.weight"],
  ["blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"],
  ["blk.11.attn_k.weight", "model.layers.11.self_attn.k_proj.weight"],
  ["blk.2.attn_v.weight", "model.layers.2.self_attn.v_proj.weight"],
  ["blk.2.attn_q.bias", "model.layers.2.self_attn.q_proj.bias"],
  ["blk.3.attn_output.weight", "model.layers.3.self_attn.o_proj.weight"],
  ["blk.3.ffn_gate.weight", "model.layers.3.mlp.gate_proj.weight"],
  ["blk.3.ffn_up.weight", "model.layers.3.mlp.up_proj.weight"],
  ["blk.3.ffn_down.weight", "model.layers.3.mlp.down_proj.weight"],
  ["blk.4.attn_norm.weight", "model.layers.4.input_layernorm.weight"],
  ["blk.4.ffn_norm.weight", "model.layers.4.post_attention_layernorm.weight"],
  ["output_norm.weight", "model.norm.weight"],
  ["output.weight", "lm_head.weight"],
];

describe("gguf names", () => {
  test("every llama.cpp name maps to its Hugging Face name and back", () => {
    for (const [gguf, hf] of PAIRS) {
      expect(hfNameOf(gguf)).toBe(hf);
      expect(ggufNameOf(hf)).toBe(gguf);
    }
  });

  test("mapped names get the layer kinds of the Hugging Face names", () => {
    const kinds = PAIRS.map(([gguf]) => classifyLayer(hfNameOf(gguf), [8, 8]));
    expect(kinds).toEqual(["embedding", "query", "key", "value", "query", "attention-output", "mlp-gate", "mlp-in", "mlp-out", "norm", "norm", "norm", "head"]);
  });

  test("names outside the table are kept as they are", () => {
    for (const name of ["rope_freqs.weight", "blk.0.attn_qkv.weight", "model.layers.0.self_attn.rotary_emb.inv_freq"]) {
      expect(hfNameOf(name)).toBe(name);
      expect(ggufNameOf(name)).toBe(name);
    }
  });

  test("only Q and K of a rotary-permuted architecture have heads", () => {
    expect(rotaryHeadsOf("blk.0.attn_q.weight", "llama", 8, 2)).toBe(8);
    expect(rotaryHeadsOf("blk.0.attn_k.weight", "llama", 8, 2)).toBe(2);
    expect(rotaryHeadsOf("blk.0.attn_k.weight", "llama", 8, undefined)).toBe(8);
    expect(rotaryHeadsOf("blk.0.attn_v.weight", "llama", 8, 2)).toBeUndefined();
    expect(rotaryHeadsOf("blk.0.attn_q.weight", "qwen2", 8, 2)).toBeUndefined();
  });

  test("the rotary order is convert_hf_to_gguf's reshape(heads, 2, d/2, cols).swapaxes(1, 2)", () => {
    const [heads, headRows, cols] = [3, 8, 2];
    const rows = heads * headRows;
    const values = Float32Array.from({ length: rows * cols }, (_, i) => i);
    const permuted = toRotaryOrder(values, rows, cols, heads);
    // Brute force from the definition: stored index [h][i][j] (shape heads × d/2 × 2) holds source [h][j][i] (heads × 2 × d/2).
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < headRows / 2; i++) {
        for (let j = 0; j < 2; j++) {
          const stored = h * headRows + i * 2 + j;
          const source = h * headRows + j * (headRows / 2) + i;
          expect(Array.from(permuted.subarray(stored * cols, stored * cols + cols))).toEqual(Array.from(values.subarray(source * cols, source * cols + cols)));
          expect(storedRowOf(source, rows, heads)).toBe(stored);
        }
      }
    }
  });

  test("storedRowOf is a permutation of the rows", () => {
    const rows = 64;
    for (const heads of [1, 2, 4, 8, 32]) {
      const seen = new Set(Array.from({ length: rows }, (_, r) => storedRowOf(r, rows, heads)));
      expect(seen.size).toBe(rows);
      expect(Math.max(...seen)).toBe(rows - 1);
    }
  });
});
