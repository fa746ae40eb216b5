/**
 * Whether a few big models include a language model, from their headers alone (a safetensors
 * file's JSON header, a GGUF file's tensor infos): the question src/cli/jit-tier.ts asks before
 * relaunching without JSC's optimising tiers. A language model (a 2-D embedding matrix, the gate
 * of the pair rule and the sibling-angle rule) is oriented by the pair rule, whose read is plain
 * JavaScript: without DFG it ran ~3.3× slower (11 models of 25 MB: 6.3 → 20.8 s), far more than
 * the ~0.1 s of compiles the relaunch saves on a set the native kernels carry alone.
 *
 * Imports only the header parser (no file reader, no messages beyond its own) and the layer rules:
 * ~5 ms, paid only for a few big models. A file that cannot be read or parsed counts as no
 * language model here: the command itself reports it.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { classifyLayer } from "../layers/classify-layer.ts";
import { NeedMoreBytes, parseGgufHeader } from "./gguf/gguf-header.ts";
import { hfNameOf } from "./gguf/gguf-names.ts";
import { visitFiles } from "./set-glance.ts";

/** Headers larger than this are not glanced at (a safetensors or GGUF header is KBs to tens of MB). */
const MAX_GLANCED_HEADER = 64 * 1024 * 1024;

/** Whether any safetensors or GGUF file at or under `paths` (three folder levels) names a 2-D embedding matrix. */
export function glancesLanguageModel(paths: readonly string[]): boolean {
  let found = false;
  visitFiles(paths, (file) => {
    try {
      if (file.endsWith(".gguf")) found = ggufHasEmbedding(file);
      else if (file.endsWith(".safetensors")) found = safetensorsHasEmbedding(file);
    } catch {
      // Unreadable or not parsed: no language model here.
    }
    return found;
  });
  return found;
}

/** isEmbeddingMatrix's answers by name and shape: a set's models share their tensors' names, so each is classified once. */
const embeddingAnswers = new Map<string, boolean>();

/** Whether a tensor of this name and shape is an embedding matrix by the layer rules (hasEmbeddingMatrix's test). */
function isEmbeddingMatrix(name: string, shape: readonly number[]): boolean {
  if (shape.length !== 2) return false;
  const key = `${name} ${shape[0]}x${shape[1]}`;
  let answer = embeddingAnswers.get(key);
  if (answer === undefined) embeddingAnswers.set(key, (answer = classifyLayer(name, shape) === "embedding"));
  return answer;
}

function safetensorsHasEmbedding(file: string): boolean {
  const length = Number(new DataView(readPrefix(file, 8).buffer).getBigUint64(0, true));
  if (length > MAX_GLANCED_HEADER) return false;
  const header = JSON.parse(new TextDecoder().decode(readPrefix(file, 8 + length).subarray(8))) as Record<string, { shape?: number[] }>;
  return Object.entries(header).some(([name, entry]) => name !== "__metadata__" && isEmbeddingMatrix(name, entry.shape ?? []));
}

function ggufHasEmbedding(file: string): boolean {
  const size = statSync(file).size;
  let length = Math.min(size, 256 * 1024);
  for (;;) {
    try {
      // Tensors alone: the tokenizer's arrays are walked, not made (~0.1 s of a Llama 3 header).
      const { tensors } = parseGgufHeader(readPrefix(file, length), file, size, false);
      // ggml order: dims[0] is the fastest axis, so the Hugging Face shape is reversed.
      return tensors.some((tensor) => isEmbeddingMatrix(hfNameOf(tensor.name), [...tensor.dims].reverse()));
    } catch (error) {
      if (!(error instanceof NeedMoreBytes) || length >= Math.min(size, MAX_GLANCED_HEADER)) return false;
      // Eight times as much, as read-gguf.ts grows its read: each retry parses the header from its start again.
      length = Math.min(size, MAX_GLANCED_HEADER, Math.max(error.needed, 8 * length));
    }
  }
}

function readPrefix(file: string, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const fd = openSync(file, "r");
  try {
    let at = 0;
    while (at < length) {
      const read = readSync(fd, bytes, at, length - at, at);
      if (read === 0) break;
      at += read;
    }
    return bytes.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}
