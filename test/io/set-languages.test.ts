import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeGguf } from "../../src/io/gguf/write-gguf.ts";
import { glancesLanguageModel } from "../../src/io/set-languages.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const folder = temporaryFolder("mother-set-languages-");

const f32 = (name: string, shape: number[]) => ({ name, dtype: "F32" as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

describe("glancesLanguageModel reads the headers alone", () => {
  test("a safetensors model with a token embedding matrix is a language model; a ViT (4-D patch, 3-D position embeddings) is not", async () => {
    const lm = join(folder, "lm", "model.safetensors");
    const vit = join(folder, "vit", "model.safetensors");
    mkdirSync(join(folder, "lm"));
    mkdirSync(join(folder, "vit"));
    await writeSafetensors(lm, [f32("model.embed_tokens.weight", [16, 4]), f32("model.layers.0.self_attn.q_proj.weight", [4, 4])]);
    await writeSafetensors(vit, [
      f32("vit.embeddings.patch_embeddings.projection.weight", [4, 3, 2, 2]),
      f32("vit.embeddings.position_embeddings", [1, 5, 4]),
      f32("vit.encoder.layer.0.attention.attention.query.weight", [4, 4]),
    ]);
    expect(glancesLanguageModel([join(folder, "lm")])).toBe(true);
    expect(glancesLanguageModel([vit])).toBe(false);
    expect(glancesLanguageModel([folder])).toBe(true);
  });

  test("a GGUF file with token_embd is a language model; one of blocks alone is not", async () => {
    const lm = join(folder, "lm.gguf");
    const blocks = join(folder, "blocks.gguf");
    const data = new Float32Array(32 * 8);
    await writeGguf(lm, { "general.architecture": "llama" }, [
      { name: "token_embd.weight", shape: [8, 32], type: "F32", data },
      { name: "blk.0.ffn_up.weight", shape: [8, 32], type: "F32", data },
    ]);
    await writeGguf(blocks, { "general.architecture": "llama" }, [{ name: "blk.0.ffn_up.weight", shape: [8, 32], type: "F32", data }]);
    expect(glancesLanguageModel([lm])).toBe(true);
    expect(glancesLanguageModel([blocks])).toBe(false);
  });

  test("a GGUF whose tokenizer fills megabytes of header before its tensors (read in growing prefixes) is one too", async () => {
    const lm = join(folder, "tokenized.gguf");
    const tokens = Array.from({ length: 120_000 }, (_, i) => `▁t${i}`);
    await writeGguf(lm, { "general.architecture": "llama", "tokenizer.ggml.tokens": tokens }, [
      { name: "token_embd.weight", shape: [8, 32], type: "F32", data: new Float32Array(32 * 8) },
    ]);
    expect(glancesLanguageModel([lm])).toBe(true);
  });

  test("unreadable, truncated or missing files count as no language model (the command reports them itself)", () => {
    const truncated = join(folder, "truncated.safetensors");
    writeFileSync(truncated, new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    const badGguf = join(folder, "bad.gguf");
    writeFileSync(badGguf, "GGUF but not really");
    expect(glancesLanguageModel([truncated, badGguf, join(folder, "missing")])).toBe(false);
  });
});
