import { deriveSeed, Rng } from "../../src/rng.ts";
import { encodeText } from "./byte-tokenizer.ts";
import { type CorpusOptions, truncate } from "./english-corpus.ts";
import { loadSpeeches, type Speech, splitSentences } from "./speeches.ts";

/** Longest sentence (characters) a template will quote; longer ones are skipped. */
const MAX_SENTENCE_CHARACTERS = 280;

type Exchange = { user: string; assistant: string };
type Template = (speech: Speech, sentences: readonly string[], rng: Rng) => Exchange;

/** Each template answers from the speech itself, so every answer is true of the source. */
const TEMPLATES: readonly Template[] = [
  (speech, [first = "", second = "", third = ""]) => ({
    user: `Continue this passage from the ${speech.year} State of the Union address: "${first}"`,
    assistant: `${second} ${third}`.trim(),
  }),
  (speech) => ({
    user: `Who delivered the State of the Union address of ${speech.year}?`,
    assistant: `It was delivered by President ${speech.president} (${speech.party}).`,
  }),
  (speech, [first = ""]) => ({
    user: `Quote one sentence from President ${speech.president}'s address of ${speech.year}.`,
    assistant: `"${first}"`,
  }),
  (_speech, [first = ""]) => ({
    user: `How many words are in this sentence? "${first}"`,
    assistant: `It has ${first.split(/\s+/).filter((word) => word.length > 0).length} words.`,
  }),
  (_speech, [first = ""]) => ({ user: `Rewrite in capital letters: ${first}`, assistant: first.toUpperCase() }),
  (_speech, [first = ""]) => {
    const words = first
      .replace(/[^A-Za-z0-9' -]/g, "")
      .split(/\s+/)
      .filter((word) => word.length > 0);
    return { user: `What is the last word of this sentence? "${first}"`, assistant: `The last word is "${words[words.length - 1] ?? ""}".` };
  },
  (speech, sentences, rng) => {
    const picked = sentences[rng.int(sentences.length)] ?? "";
    return { user: `Pick any sentence from the ${speech.year} address.`, assistant: picked };
  },
];

/**
 * Chat-formatted English for the "chat" child: conversations of one or two turns,
 * `User: …` / `Assistant: …` lines, conversations separated by a blank line, built by
 * templates around consecutive sentences of the State of the Union addresses. Every
 * speech contributes, in order; the template draw is seeded (≈ 6 MB in full).
 */
export function chatCorpus(options: CorpusOptions & { readonly seed?: number } = {}): Uint8Array {
  const rng = new Rng(deriveSeed("chat-corpus", options.seed ?? 0));
  const conversations: string[] = [];
  let bytes = 0;
  for (const speech of loadSpeeches()) {
    const sentences = splitSentences(speech.text).filter((sentence) => sentence.length > 20 && sentence.length <= MAX_SENTENCE_CHARACTERS);
    for (let start = 0; start + 3 <= sentences.length; start += 3 + rng.int(3)) {
      const turns = rng.bernoulli(0.3) ? 2 : 1;
      const lines: string[] = [];
      for (let turn = 0; turn < turns; turn++) {
        const window = sentences.slice(start + turn, start + turn + 3);
        const exchange = rng.choice(TEMPLATES)(speech, window, rng);
        lines.push(`User: ${exchange.user}`, `Assistant: ${exchange.assistant}`);
      }
      const conversation = `${lines.join("\n")}\n`;
      conversations.push(conversation);
      bytes += conversation.length + 1;
      if (options.maxBytes !== undefined && bytes >= options.maxBytes) return truncate(encodeText(conversations.join("\n")), options.maxBytes);
    }
  }
  return truncate(encodeText(conversations.join("\n")), options.maxBytes);
}
