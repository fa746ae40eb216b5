/**
 * GGUF v3 writer (test fixtures, the harness's quantized copies). `writeGguf` stores tensors as
 * given (llama.cpp names, ggml types); `writeGgufFromHf` does what llama.cpp's
 * convert_hf_to_gguf.py + llama-quantize do to a Hugging Face Llama checkpoint: renames its
 * tensors, puts Q/K rows in rotary order, and quantizes 2-D weights with the reference
 * quantizers (1-D tensors stay F32). The file is written whole and renamed into place.
 */
import { assert } from "../../errors.ts";
import type { GgmlType } from "../../types.ts";
import { writeFileAtomic } from "../write-file-atomic.ts";
import { GGML_LAYOUTS } from "./ggml-types.ts";
import { DEFAULT_ALIGNMENT, GGUF_MAGIC } from "./gguf-header.ts";
import { ggufNameOf, toRotaryOrder } from "./gguf-names.ts";
import { quantize } from "./quantize.ts";

/** A metadata value: an integer (stored u32), a float (f32), a u64, a boolean, a string or a string list. */
export type GgufWriteValue = number | bigint | boolean | string | readonly string[];

/** One tensor to store, with its PyTorch shape (written reversed, ggml order): values to quantize, or blocks as stored. */
export interface GgufTensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: GgmlType;
  readonly data?: Float32Array;
  /** Already encoded `type` blocks (benchmarks build big sets without quantizing every value). */
  readonly blocks?: Uint8Array;
}

/** Grows a little-endian byte buffer. */
class ByteWriter {
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private room(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.length + extra, 2 * this.bytes.length));
    grown.set(this.bytes.subarray(0, this.length));
    [this.bytes, this.view] = [grown, new DataView(grown.buffer)];
  }

  u32(value: number): void {
    this.room(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  u64(value: number | bigint): void {
    this.room(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
  }

  f32(value: number): void {
    this.room(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  string(text: string): void {
    const bytes = new TextEncoder().encode(text);
    this.u64(bytes.length);
    this.raw(bytes);
  }

  padTo(alignment: number): void {
    const padded = Math.ceil(this.length / alignment) * alignment;
    this.raw(new Uint8Array(padded - this.length));
  }

  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

function writeValue(out: ByteWriter, value: GgufWriteValue): void {
  if (typeof value === "string") {
    out.u32(8);
    out.string(value);
  } else if (typeof value === "boolean") {
    out.u32(7);
    out.raw(new Uint8Array([value ? 1 : 0]));
  } else if (typeof value === "bigint") {
    out.u32(10);
    out.u64(value);
  } else if (typeof value === "number") {
    const integer = Number.isInteger(value) && value >= 0 && value < 2 ** 32;
    out.u32(integer ? 4 : 6);
    if (integer) out.u32(value);
    else out.f32(value);
  } else {
    out.u32(9);
    out.u32(8);
    out.u64(value.length);
    for (const item of value) out.string(item);
  }
}

/** Write a GGUF v3 file: metadata in the order given, tensors in the order given, data 32-byte aligned. */
export async function writeGguf(file: string, metadata: Readonly<Record<string, GgufWriteValue>>, tensors: readonly GgufTensorToWrite[]): Promise<void> {
  const out = new ByteWriter();
  out.u32(GGUF_MAGIC);
  out.u32(3);
  out.u64(tensors.length);
  out.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    out.string(key);
    writeValue(out, value);
  }
  const encoded = tensors.map((tensor) => {
    const count = tensor.shape.reduce((product, size) => product * size, 1);
    const row = tensor.shape[tensor.shape.length - 1]!;
    const layout = GGML_LAYOUTS[tensor.type];
    assert(row % layout.blockValues === 0, `${file}: tensor ${tensor.name}: rows of ${row} values are whole ${tensor.type} blocks`);
    const length = tensor.blocks?.length ?? tensor.data?.length;
    const expected = tensor.blocks ? (count / layout.blockValues) * layout.blockBytes : count;
    assert(length === expected, `${file}: tensor ${tensor.name}: ${length} values or bytes match its shape's ${expected}`);
    return tensor.blocks ?? quantize(tensor.type, tensor.data!);
  });
  let offset = 0;
  for (const [i, tensor] of tensors.entries()) {
    out.string(tensor.name);
    out.u32(tensor.shape.length);
    for (const size of [...tensor.shape].reverse()) out.u64(size);
    out.u32(GGML_LAYOUTS[tensor.type].id);
    out.u64(offset);
    offset += Math.ceil(encoded[i]!.length / DEFAULT_ALIGNMENT) * DEFAULT_ALIGNMENT;
  }
  for (const bytes of encoded) {
    out.padTo(DEFAULT_ALIGNMENT);
    out.raw(bytes);
  }
  await writeFileAtomic(file, out.result());
}

/** A Hugging Face tensor (PyTorch shape, HF name). */
export interface HfTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** What the conversion needs to know about the model. */
export interface GgufConversion {
  /** The type of 2-D weights (1-D tensors stay F32, as llama.cpp keeps norms). */
  readonly type: GgmlType;
  /** Another type for some 2-D weights, by GGUF name (llama-quantize's _M mixes: Q6_K for `attn_v` and `ffn_down` in a Q4_K file). */
  readonly typeOf?: (name: string) => GgmlType | undefined;
  /** Attention heads (Q rows are permuted in this many heads). */
  readonly headCount: number;
  /** Key/value heads (K rows; default headCount). */
  readonly headCountKv?: number;
  /** `general.architecture`; "llama" permutes Q/K rows. */
  readonly architecture?: string;
  readonly name?: string;
}

/**
 * The type a 2-D weight with rows of `row` values gets: `type` if its blocks fit the row, else
 * llama.cpp's fallback (K-quants need rows of 256: Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0,
 * Q2_K/Q3_K → Q4_0 here, since IQ4_NL is not written), else F16.
 */
export function typeForRow(type: GgmlType, row: number): GgmlType {
  if (row % GGML_LAYOUTS[type].blockValues === 0) return type;
  const fallback: Partial<Record<GgmlType, GgmlType>> = { Q2_K: "Q4_0", Q3_K: "Q4_0", Q4_K: "Q5_0", Q5_K: "Q5_1", Q6_K: "Q8_0" };
  const next = fallback[type];
  return next && row % GGML_LAYOUTS[next].blockValues === 0 ? next : "F16";
}

/** Convert a Hugging Face Llama-style checkpoint to a GGUF file of `conversion.type`. */
export async function writeGgufFromHf(file: string, tensors: readonly HfTensor[], conversion: GgufConversion): Promise<void> {
  const architecture = conversion.architecture ?? "llama";
  const headCountKv = conversion.headCountKv ?? conversion.headCount;
  const converted = tensors.map((tensor): GgufTensorToWrite => {
    const name = ggufNameOf(tensor.name);
    let data: Float32Array = Float32Array.from(tensor.data);
    const rows = tensor.shape[0]!;
    const cols = tensor.shape.length === 1 ? 1 : data.length / rows;
    if (architecture === "llama" && /\.attn_[qk]\.(weight|bias)$/.test(name)) {
      data = toRotaryOrder(data, rows, cols, name.includes("attn_q") ? conversion.headCount : headCountKv);
    }
    const type = tensor.shape.length === 1 ? "F32" : typeForRow(conversion.typeOf?.(name) ?? conversion.type, tensor.shape[tensor.shape.length - 1]!);
    return { name, shape: tensor.shape, type, data };
  });
  const metadata: Record<string, GgufWriteValue> = {
    "general.architecture": architecture,
    "general.name": conversion.name ?? "mother",
    [`${architecture}.attention.head_count`]: conversion.headCount,
    [`${architecture}.attention.head_count_kv`]: headCountKv,
    "general.file_type": fileTypeOf(conversion.type),
  };
  await writeGguf(file, metadata, converted);
}

/** llama.cpp's LLAMA_FTYPE of a whole-file type (general.file_type). */
function fileTypeOf(type: GgmlType): number {
  const ftypes: Record<GgmlType, number> = {
    F32: 0,
    F16: 1,
    Q4_0: 2,
    Q4_1: 3,
    Q8_0: 7,
    Q5_0: 8,
    Q5_1: 9,
    Q2_K: 10,
    Q3_K: 12,
    Q4_K: 15,
    Q5_K: 17,
    Q6_K: 18,
    BF16: 32,
  };
  return ftypes[type];
}
