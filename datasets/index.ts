/** The datasets the harness trains on: seeded image tasks, their registry and mixtures, and real text. */
export { batches, type BatchSchedule, type LabelledImages, type TrainingBatch } from "./batches.ts";
export { contactSheetPng } from "./contact-sheet.ts";
export { DEFAULT_IMAGE_SIZE, defineImageTask, type ImageBatch, type ImageTask, type SceneTask, type TaskRecipe } from "./image-task.ts";
export { drawGlyph, GLYPH_CHARACTERS, GLYPH_HEIGHT, GLYPH_WIDTH, glyphBitmap, type GlyphPlacement } from "./pixel-font.ts";
export { type MixtureBatch, pretrainMixture } from "./pretrain-mixture.ts";
export { deriveSeed, Rng, type Seed } from "./rng.ts";
export { TASKS, taskByName } from "./task-registry.ts";
