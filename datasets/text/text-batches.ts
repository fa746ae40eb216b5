import { MotherError } from "../../src/errors.ts";
import { deriveSeed, Rng } from "../../src/rng.ts";

/** One next-token-prediction batch: `targets[b, t] = inputs[b, t + 1]` in the source text. */
export interface TextBatch {
  /** `batchSize × seqLen` token ids, row-major. */
  readonly inputs: Int32Array;
  /** The same windows shifted by one token. */
  readonly targets: Int32Array;
  readonly step: number;
}

/**
 * Random windows of `seqLen + 1` tokens, start positions uniform over the corpus and
 * drawn from a stream seeded by `seed` (so the batch order is part of a run's config).
 * Runs forever unless `steps` is given.
 */
export function* textBatches(
  tokens: ArrayLike<number>,
  batchSize: number,
  seqLen: number,
  seed: number,
  steps = Number.POSITIVE_INFINITY,
): Generator<TextBatch> {
  if (tokens.length < seqLen + 1) {
    throw new MotherError("textBatches", "corpus shorter than one window", { value: tokens.length, limit: seqLen + 1 });
  }
  const rng = new Rng(deriveSeed(seed, "text-batches"));
  const starts = tokens.length - seqLen; // valid starts: 0 .. length − seqLen − 1
  for (let step = 0; step < steps; step++) {
    const inputs = new Int32Array(batchSize * seqLen);
    const targets = new Int32Array(batchSize * seqLen);
    for (let b = 0; b < batchSize; b++) {
      const start = rng.int(starts);
      for (let t = 0; t < seqLen; t++) {
        inputs[b * seqLen + t] = tokens[start + t] as number;
        targets[b * seqLen + t] = tokens[start + t + 1] as number;
      }
    }
    yield { inputs, targets, step };
  }
}

/** A short content hash of a token array (hex), for cache keys that must change when a corpus does. */
export function tokensFingerprint(tokens: ArrayLike<number>): string {
  let low = 0x811c9dc5;
  let high = 0x01000193 ^ tokens.length;
  for (let i = 0; i < tokens.length; i++) {
    const value = tokens[i] as number;
    low = Math.imul(low ^ value, 0x01000193);
    high = Math.imul(high ^ value ^ (low >>> 15), 0x5bd1e995);
  }
  return (deriveSeed(low >>> 0, high >>> 0, tokens.length) >>> 0).toString(16).padStart(8, "0") + (high >>> 0).toString(16).padStart(8, "0");
}
