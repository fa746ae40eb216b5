/**
 * Writes a GGUF copy of a model as a new model folder (`model.gguf`), the way llama.cpp's
 * convert_hf_to_gguf.py + llama-quantize would publish it: llama.cpp names for Llama tensors
 * (other names kept), Q/K rows in rotary order, 2-D weights quantized with ggml's reference
 * quantizers (rows too short for the type fall back as llama.cpp does, down to F16), 1-D
 * tensors F32 (src/io/gguf/write-gguf.ts). For the model zoo's "quantized" edges (issue #12).
 * A copy on disk is reused when its record (`gguf.json`) names the same type, version and
 * source bytes (path, size, modification time); the record is written last.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeGgufFromHf, type HfTensor } from "../../io/gguf/write-gguf.ts";
import { readTensor } from "../../io/read-safetensors.ts";
import { writeUnlessRecorded } from "./copy-record.ts";
import type { GgmlType, ModelSource } from "../../types.ts";

/** Bump when the writer changes what it writes: older copies are then rewritten. */
export const GGUF_COPY_VERSION = 1;

/** Heads of a model's attention, from its config.json (Llama: num_attention_heads, num_key_value_heads); 1 without one. */
async function headCounts(source: ModelSource): Promise<{ headCount: number; headCountKv: number }> {
  const text = await readFile(join(source.path, "config.json"), "utf8").catch(() => undefined);
  const config = text === undefined ? {} : (JSON.parse(text) as { num_attention_heads?: number; num_key_value_heads?: number });
  const headCount = config.num_attention_heads ?? 1;
  return { headCount, headCountKv: config.num_key_value_heads ?? headCount };
}

/** True when a fresh copy was written to `folder`/model.gguf, false when the one on disk was reused. */
export function writeGgufCopy(source: ModelSource, type: GgmlType, folder: string): Promise<boolean> {
  return writeUnlessRecorded(source, folder, "gguf.json", { version: GGUF_COPY_VERSION, type }, async () => {
    const tensors: HfTensor[] = [];
    for (const info of source.tensors) tensors.push({ name: info.name, shape: info.shape, data: await readTensor(info) });
    await writeGgufFromHf(join(folder, "model.gguf"), tensors, { type, ...(await headCounts(source)), name: source.id });
  });
}
