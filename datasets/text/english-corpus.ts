import { encodeText } from "./byte-tokenizer.ts";
import { loadSpeeches } from "./speeches.ts";

/** Options shared by the corpora: a byte budget for quick runs. */
export interface CorpusOptions {
  /** Keep only the first `maxBytes` tokens (the corpus order is fixed, so this is deterministic). */
  readonly maxBytes?: number;
}

/**
 * Real English prose for pre-training the Llama-like family: every State of the Union
 * address 1790–2021 in chronological order, one per paragraph, as byte tokens
 * (≈ 10.7 M tokens in full).
 */
export function englishCorpus(options: CorpusOptions = {}): Uint8Array {
  const text = loadSpeeches()
    .map((speech) => speech.text)
    .join("\n\n");
  return truncate(encodeText(text), options.maxBytes);
}

/** Cut to at most `maxBytes` tokens without copying. */
export function truncate(tokens: Uint8Array, maxBytes: number | undefined): Uint8Array {
  return maxBytes === undefined || maxBytes >= tokens.length ? tokens : tokens.subarray(0, Math.max(0, Math.floor(maxBytes)));
}
