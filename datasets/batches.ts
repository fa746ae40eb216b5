import { MotherError } from "../src/errors.ts";
import { deriveSeed, Rng } from "../src/rng.ts";

/** Anything with row-major images and one label per image (an ImageBatch or MixtureBatch). */
export interface LabelledImages {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
}

/** One training batch; `images` is `batchSize × (values per image)`, NCHW when the source is. */
export interface TrainingBatch {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  /** 0-based step number across the whole iteration. */
  readonly step: number;
  readonly epoch: number;
}

/** How long to iterate: whole passes over the data, or an exact number of batches. */
export type BatchSchedule = { readonly epochs: number } | { readonly steps: number };

/**
 * Deterministic mini-batches: each epoch visits the images in a fresh seeded
 * permutation (epoch e uses `deriveSeed(seed, "epoch", e)`), and the last incomplete
 * batch of an epoch is dropped so every batch has exactly `batchSize` images (fixed
 * ONNX input shapes). Each batch is a new gathered copy of just its images; with
 * `shuffle: false` batches are zero-copy `subarray` views in storage order.
 */
export function* batches(
  dataset: LabelledImages,
  batchSize: number,
  seed: number,
  schedule: BatchSchedule,
  options: { shuffle?: boolean } = {},
): Generator<TrainingBatch> {
  const { shuffle = true } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > dataset.count) {
    throw new MotherError("batches", "batch size must be a positive integer no larger than the dataset", { value: batchSize, limit: dataset.count });
  }
  const perImage = dataset.images.length / dataset.count;
  const perEpoch = Math.floor(dataset.count / batchSize);
  const totalSteps = "steps" in schedule ? schedule.steps : schedule.epochs * perEpoch;
  let order: Int32Array | undefined;
  for (let step = 0; step < totalSteps; step++) {
    const epoch = Math.floor(step / perEpoch);
    const within = step % perEpoch;
    if (!shuffle) {
      const start = within * batchSize;
      yield {
        images: dataset.images.subarray(start * perImage, (start + batchSize) * perImage),
        labels: dataset.labels.subarray(start, start + batchSize),
        step,
        epoch,
      };
      continue;
    }
    if (within === 0 || order === undefined) order = new Rng(deriveSeed(seed, "epoch", epoch)).permutation(dataset.count);
    const images = new Float32Array(batchSize * perImage);
    const labels = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      const source = order[within * batchSize + b] as number;
      images.set(dataset.images.subarray(source * perImage, (source + 1) * perImage), b * perImage);
      labels[b] = dataset.labels[source] as number;
    }
    yield { images, labels, step, epoch };
  }
}
