/**
 * The GGUF reader on files our writer makes: Hugging Face names and shapes, Q/K rows back in
 * their source order, chunked streaming equal to one read, and the header cross-checked with
 * @huggingface/gguf's parser.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { gguf } from "@huggingface/gguf";
import { openGgufFile } from "../../../src/io/gguf/read-gguf.ts";
import { writeGguf, writeGgufFromHf, type HfTensor } from "../../../src/io/gguf/write-gguf.ts";
import { openTensorStream, readTensor } from "../../../src/io/read-safetensors.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";
import type { GgmlType } from "../../../src/types.ts";
import { dequantize } from "../../../src/io/gguf/dequantize.ts";
import { GGML_LAYOUTS } from "../../../src/io/gguf/ggml-types.ts";
import { loadedNativeKernels, nativeKernels } from "../../../src/kernels/native-kernels.ts";

/** A tiny Llama: 2 blocks, hidden 64, 4 heads of 16 (2 KV heads), MLP 128, vocabulary 32. */
function tinyLlama(seed = 3): HfTensor[] {
  let state = seed;
  const values = (count: number) => Float32Array.from({ length: count }, () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.1);
  const tensor = (name: string, shape: number[]): HfTensor => ({ name, shape, data: values(shape.reduce((a, b) => a * b, 1)) });
  const tensors = [tensor("model.embed_tokens.weight", [32, 64])];
  for (let layer = 0; layer < 2; layer++) {
    const prefix = `model.layers.${layer}`;
    tensors.push(
      tensor(`${prefix}.self_attn.q_proj.weight`, [64, 64]),
      tensor(`${prefix}.self_attn.k_proj.weight`, [32, 64]),
      tensor(`${prefix}.self_attn.v_proj.weight`, [32, 64]),
      tensor(`${prefix}.self_attn.o_proj.weight`, [64, 64]),
      tensor(`${prefix}.mlp.gate_proj.weight`, [128, 64]),
      tensor(`${prefix}.mlp.up_proj.weight`, [128, 64]),
      tensor(`${prefix}.mlp.down_proj.weight`, [64, 128]),
      tensor(`${prefix}.input_layernorm.weight`, [64]),
      tensor(`${prefix}.post_attention_layernorm.weight`, [64]),
    );
  }
  tensors.push(tensor("model.norm.weight", [64]), tensor("lm_head.weight", [32, 64]));
  return tensors;
}

async function written(type: GgmlType, tensors = tinyLlama()): Promise<string> {
  const file = join(temporaryFolder("mother-read-gguf-"), `tiny-${type}.gguf`);
  await writeGgufFromHf(file, tensors, { type, headCount: 4, headCountKv: 2 });
  return file;
}

describe("readGguf", () => {
  test("an F32 GGUF reads back every tensor exactly, with Hugging Face names, shapes and Q/K row order", async () => {
    const source = tinyLlama();
    const model = await openGgufFile(await written("F32", source));
    expect(model.architecture).toBe("llama");
    expect(model.tensors.map((t) => t.name)).toEqual(source.map((t) => t.name));
    for (const [i, tensor] of model.tensors.entries()) {
      expect(tensor.shape).toEqual(source[i]!.shape);
      expect(Array.from(await readTensor(tensor))).toEqual(Array.from(source[i]!.data));
    }
    // Q and K are stored permuted, so they carry an encoding; V and the rest are plain F32.
    expect(model.tensors.find((t) => t.name.endsWith("q_proj.weight"))?.encoding).toEqual({ format: "gguf", ggmlType: "F32", ropeHeads: 4 });
    expect(model.tensors.find((t) => t.name.endsWith("k_proj.weight"))?.encoding?.ropeHeads).toBe(2);
    expect(model.tensors.find((t) => t.name.endsWith("v_proj.weight"))?.encoding).toBeUndefined();
  });

  test("a Q8_0 GGUF reads back within Q8_0 rounding of its source, 1-D tensors exactly", async () => {
    const source = tinyLlama();
    const model = await openGgufFile(await written("Q8_0", source));
    for (const [i, tensor] of model.tensors.entries()) {
      const values = await readTensor(tensor);
      const original = source[i]!.data;
      if (tensor.shape.length === 1) expect(Array.from(values)).toEqual(Array.from(original));
      else {
        expect(tensor.encoding?.ggmlType).toBe("Q8_0");
        const amax = Math.max(...Array.from(original, Math.abs));
        for (let j = 0; j < values.length; j++) expect(Math.abs(values[j]! - original[j]!)).toBeLessThanOrEqual(amax / 254 + 1e-4);
      }
    }
  });

  for (const type of ["Q8_0", "Q4_K", "Q6_K", "Q5_0"] as const) {
    test(`${type}: reading in chunks of rows (any boundaries, rotary heads included) equals one read`, async () => {
      const model = await openGgufFile(await written(type));
      for (const tensor of model.tensors.filter((t) => t.shape.length === 2)) {
        const whole = await readTensor(tensor);
        const stream = openTensorStream(tensor);
        const cols = tensor.shape[1]!;
        try {
          for (const rows of [1, 3, 7]) {
            for (let first = 0; first < whole.length; first += rows * cols) {
              const count = Math.min(rows * cols, whole.length - first);
              expect(Array.from(stream.read(first, count))).toEqual(Array.from(whole.subarray(first, first + count)));
            }
          }
          // A range that starts and ends inside blocks.
          expect(Array.from(stream.read(5, 40))).toEqual(Array.from(whole.subarray(5, 45)));
        } finally {
          stream.close();
        }
      }
    });
  }

  test("@huggingface/gguf reads the same tensor infos and data offset from our files", async () => {
    const file = await written("Q4_K");
    const theirs = await gguf(file, { allowLocalFile: true });
    const ours = await openGgufFile(file);
    expect(theirs.metadata.version).toBe(3);
    expect(theirs.metadata["general.architecture"]).toBe("llama");
    expect(theirs.tensorInfos.length).toBe(ours.tensors.length);
    for (const [i, info] of theirs.tensorInfos.entries()) {
      const mine = ours.tensors[i]!;
      expect(mine.offset).toBe(Number(theirs.tensorDataOffset + info.offset));
      expect(mine.shape).toEqual(info.shape.map(Number).reverse());
      expect<string>(mine.encoding?.ggmlType ?? mine.dtype).toBe(
        ["F32", "F16", "Q4_0", "Q4_1", "", "", "Q5_0", "Q5_1", "Q8_0", "", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"][info.dtype]!,
      );
    }
  });

  test("metadata of every value type survives a write and read", async () => {
    const file = join(temporaryFolder("mother-read-gguf-"), "meta.gguf");
    await writeGguf(file, { "general.architecture": "llama", "x.count": 7, "x.scale": 0.5, "x.flag": true, "x.big": 2n ** 40n, "x.list": ["a", "bc"] }, [
      { name: "w", shape: [2, 32], type: "Q8_0", data: new Float32Array(64).fill(127) },
    ]);
    const model = await openGgufFile(file);
    expect(Object.fromEntries(model.metadata)).toEqual({
      "general.architecture": "llama",
      "x.count": 7,
      "x.scale": 0.5,
      "x.flag": true,
      "x.big": 2n ** 40n,
      "x.list": ["a", "bc"],
    });
    expect(Array.from(await readTensor(model.tensors[0]!))).toEqual(new Array(64).fill(127)); // d = 1 is exact in f16
  });

  test("a header far past the first read (a tokenizer of 150,000 strings, ~2.5 MB) is read whole, every string in order", async () => {
    const file = join(temporaryFolder("mother-read-gguf-"), "vocab.gguf");
    const tokens = Array.from({ length: 150_000 }, (_, i) => `▁tok${i}é`);
    await writeGguf(file, { "general.architecture": "llama", "tokenizer.ggml.tokens": tokens, "x.after": 5 }, [
      { name: "w", shape: [2, 32], type: "Q8_0", data: new Float32Array(64).fill(127) },
    ]);
    const model = await openGgufFile(file);
    expect(model.metadata.get("tokenizer.ggml.tokens")).toEqual(tokens);
    expect(model.metadata.get("x.after")).toBe(5);
    expect(Array.from(await readTensor(model.tensors[0]!))).toEqual(new Array(64).fill(127));
    // Discovery's read (arrays walked, not made): the same tensors and scalars, the tokenizer empty.
    const walked = await openGgufFile(file, { arrays: false });
    expect(walked.tensors).toEqual(model.tensors);
    expect(Object.fromEntries(walked.metadata)).toEqual({ ...Object.fromEntries(model.metadata), "tokenizer.ggml.tokens": [] });
  });

  test("K-quant rows that are not whole super-blocks fall back as llama.cpp does (Q4_K → Q5_0)", async () => {
    const file = join(temporaryFolder("mother-read-gguf-"), "narrow.gguf");
    await writeGgufFromHf(file, [{ name: "model.layers.0.mlp.up_proj.weight", shape: [4, 96], data: new Float32Array(384).fill(0.5) }], {
      type: "Q4_K",
      headCount: 1,
    });
    const [tensor] = (await openGgufFile(file)).tensors;
    expect(tensor!.encoding?.ggmlType).toBe("Q5_0");
  });

  test("reads outside the layer pass decode natively once the native kernels are loaded, to the TypeScript decoders' values", async () => {
    await nativeKernels();
    if (!loadedNativeKernels()) return;
    const folder = temporaryFolder("mother-read-gguf-");
    const [rows, cols] = [6, 512];
    for (const type of ["Q8_0", "Q4_K", "Q5_K", "Q6_K"] as const) {
      const { blockBytes, blockValues } = GGML_LAYOUTS[type];
      const blocks = new Uint8Array(((rows * cols) / blockValues) * blockBytes);
      let state = 11;
      for (let i = 0; i < blocks.length; i++) blocks[i] = (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
      // Finite f16 scales (exponent below 31) where each type keeps them.
      const scales = type === "Q6_K" ? [208] : type === "Q8_0" ? [0] : [0, 2];
      for (let at = 0; at < blocks.length; at += blockBytes) for (const s of scales) blocks[at + s + 1]! &= 0x3b;
      const file = join(folder, `${type}.gguf`);
      await writeGguf(file, { "general.architecture": "gpt2" }, [{ name: "blk.0.ffn_up.weight", shape: [rows, cols], type, blocks }]);
      const tensor = (await openGgufFile(file)).tensors[0]!;
      const want = new Float32Array(rows * cols);
      dequantize(type, blocks, 0, want.length, want, 0);
      const stream = openTensorStream(tensor);
      try {
        // Whole blocks, and a range cut inside blocks at both ends.
        for (const [first, length] of [
          [0, rows * cols],
          [blockValues + 7, 3 * blockValues - 20],
        ] as const) {
          expect([...stream.read(first, length, undefined, { checkFinite: false })]).toEqual([...want.subarray(first, first + length)]);
        }
      } finally {
        stream.close();
      }
    }
  });
});
