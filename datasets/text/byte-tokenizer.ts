/**
 * Byte-level tokenizer: a token id is one UTF-8 byte, so the vocabulary is exactly 256
 * ids, any string round-trips, and no merge table has to be stored or trained. The
 * corpora here are normalised to ASCII, so in practice only ids 9, 10 and 32–126 occur;
 * the model still gets all 256 rows so text from elsewhere never falls outside it.
 */

/** Number of token ids (one per byte value). */
export const VOCAB_SIZE = 256;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/** String → token ids (its UTF-8 bytes). */
export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Token ids → string. Ids must be in [0, 256); a sequence cut mid-character decodes
 * the broken bytes as U+FFFD rather than throwing (model samples do this).
 */
export function decodeTokens(tokens: ArrayLike<number>): string {
  const bytes =
    tokens instanceof Uint8Array
      ? tokens
      : Uint8Array.from(tokens as ArrayLike<number>, (id) => {
          if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) throw new RangeError(`decodeTokens: id ${id} outside [0, ${VOCAB_SIZE})`);
          return id;
        });
  return decoder.decode(bytes);
}

/** Typographic punctuation found in the corpora, mapped to plain ASCII. */
const ASCII_REPLACEMENTS: Readonly<Record<string, string>> = {
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u2013": "-",
  "\u2014": "--",
  "\u2011": "-",
  "\u2010": "-",
  "\u2022": "*",
  "\u00b0": " degrees",
  "\u00a0": " ",
  "\u2026": "...",
};

/**
 * Map typographic punctuation to ASCII and drop any other non-ASCII character, and
 * turn CR/LF pairs into LF: keeps the corpora inside printable ASCII plus tab/newline.
 */
export function toAscii(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(/[^\t\n\x20-\x7e]/g, (character) => ASCII_REPLACEMENTS[character] ?? "");
}
