/** The datasets the harness trains on: seeded image tasks, their registry and mixtures, and real text. */
export { batches, type BatchSchedule, type LabelledImages, type TrainingBatch } from "./batches.ts";
export { contactSheetPng } from "./contact-sheet.ts";
export { DEFAULT_IMAGE_SIZE, defineImageTask, type ImageBatch, type ImageTask, type SceneTask, type TaskRecipe } from "./image-task.ts";
export { drawGlyph, GLYPH_CHARACTERS, GLYPH_HEIGHT, GLYPH_WIDTH, glyphBitmap, type GlyphPlacement } from "./pixel-font.ts";
export { type MixtureBatch, pretrainMixture } from "./pretrain-mixture.ts";
export { deriveSeed, Rng, type Seed } from "../src/rng.ts";
export { TASKS, taskByName } from "./task-registry.ts";
export { decodeTokens, encodeText, toAscii, VOCAB_SIZE } from "./text/byte-tokenizer.ts";
export { chatCorpus } from "./text/chat-corpus.ts";
export { CODE_SOURCES, codeCorpus } from "./text/code-corpus.ts";
export { type CorpusOptions, englishCorpus } from "./text/english-corpus.ts";
export { instructCorpus } from "./text/instruct-corpus.ts";
export { pythonCorpus } from "./text/python-corpus.ts";
export { loadSpeeches, type Speech, splitSentences } from "./text/speeches.ts";
export { type TextBatch, textBatches, tokensFingerprint } from "./text/text-batches.ts";
