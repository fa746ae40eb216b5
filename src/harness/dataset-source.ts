/**
 * DataSpecs resolved to batch streams from datasets/ (the harness's side of src/train's
 * ResolveData). Train and eval splits use different seeds (images) or disjoint regions
 * (text), so evaluation never sees training examples.
 */
import { batches, deriveSeed, pretrainMixture, Rng, taskByName, textBatches } from "../../datasets/index.ts";
import { chatCorpus, codeCorpus, englishCorpus, instructCorpus, pythonCorpus } from "../../datasets/index.ts";
import type { LabelledImages } from "../../datasets/index.ts";
import type { TensorData } from "../onnx/index.ts";
import type { DataSource, DataSourceOptions, DataSpec, ResolveData } from "../train/data-source.ts";
import { bug } from "../errors.ts";

/** Resolves `spec` to batches from datasets/, shaped for the step graph (int64 labels, NCHW float pixels). */
/** Resolve `spec` to batches shaped for the step graph (int64 labels, NCHW float pixels). */
export const datasetSource: ResolveData = (spec, options) => {
  if (spec.kind === "text") return textSource(spec, options);
  const imageSize = spec.imageSize ?? 32;
  const train: LabelledImages & { numClasses: number } =
    spec.kind === "image-task"
      ? { ...taskByName(spec.task).generate(deriveSeed(spec.seed, "train"), spec.trainCount, imageSize), numClasses: taskByName(spec.task).numClasses }
      : pretrainMixture(spec.tasks, deriveSeed(spec.seed, "train"), spec.trainCount, imageSize);
  const evalSet: LabelledImages =
    spec.kind === "image-task"
      ? taskByName(spec.task).generate(deriveSeed(spec.seed, "eval"), spec.evalCount, imageSize)
      : pretrainMixture(spec.tasks, deriveSeed(spec.seed, "eval"), spec.evalCount, imageSize);
  const maskRng = options.masking ? new Rng(options.masking.seed) : undefined;
  const withMask = (feeds: Record<string, TensorData>, rng: Rng | undefined): Record<string, TensorData> => {
    if (!options.masking || !rng) return feeds;
    const { patches, maskedCount } = options.masking;
    const rows = (feeds.labels as BigInt64Array).length;
    const mask = new Float32Array(rows * patches);
    for (let row = 0; row < rows; row++) {
      const order = rng.permutation(patches);
      for (let k = 0; k < maskedCount; k++) mask[row * patches + order[k]!] = 1;
    }
    return { ...feeds, bool_masked_pos: mask };
  };
  const toFeeds = (images: Float32Array, labels: Int32Array): Record<string, TensorData> => ({
    pixel_values: images,
    labels: BigInt64Array.from(labels, (label) => BigInt(label)),
  });
  let epochs = batches(train, options.batchSize, deriveSeed(spec.seed, "batches"), { steps: Number.MAX_SAFE_INTEGER });
  return {
    numClasses: train.numClasses,
    nextTrain() {
      let next = epochs.next();
      if (next.done) {
        epochs = batches(train, options.batchSize, deriveSeed(spec.seed, "batches"), { steps: Number.MAX_SAFE_INTEGER });
        next = epochs.next();
      }
      return withMask(toFeeds(next.value!.images, next.value!.labels), maskRng);
    },
    evalBatches(batchSize) {
      // Eval masks come from their own fixed stream so every evaluation sees the same masks.
      const evalMaskRng = options.masking ? new Rng(deriveSeed(options.masking.seed, "eval")) : undefined;
      return [...batches(evalSet, batchSize, 0, { epochs: 1 }, { shuffle: false })].map((batch) => withMask(toFeeds(batch.images, batch.labels), evalMaskRng));
    },
  };
};

function textSource(spec: Extract<DataSpec, { kind: "text" }>, options: DataSourceOptions): DataSource {
  const contextLength = options.contextLength;
  if (contextLength === undefined) bug("text data needs the model's contextLength");
  const corpus = corpusTokens(spec.corpus, spec.maxBytes, spec.seed);
  const evalStart = Math.floor(corpus.length * (1 - (spec.evalFraction ?? 0.1)));
  const trainTokens = corpus.subarray(0, evalStart);
  const evalTokens = corpus.subarray(evalStart);
  const toFeeds = (inputs: Int32Array, targets: Int32Array): Record<string, TensorData> => ({
    input_ids: BigInt64Array.from(inputs, (token) => BigInt(token)),
    labels: BigInt64Array.from(targets, (token) => BigInt(token)),
  });
  const stream = textBatches(trainTokens, options.batchSize, contextLength, deriveSeed(spec.seed, "batches"));
  return {
    nextTrain() {
      const batch = stream.next().value!;
      return toFeeds(batch.inputs, batch.targets);
    },
    evalBatches(batchSize) {
      // Fixed eval: consecutive non-overlapping windows from the held-out tail.
      const windows = Math.floor((evalTokens.length - 1) / contextLength);
      const out: Record<string, TensorData>[] = [];
      for (let first = 0; first + batchSize <= windows; first += batchSize) {
        const inputs = new Int32Array(batchSize * contextLength);
        const targets = new Int32Array(batchSize * contextLength);
        for (let b = 0; b < batchSize; b++) {
          const start = (first + b) * contextLength;
          for (let t = 0; t < contextLength; t++) {
            inputs[b * contextLength + t] = evalTokens[start + t]!;
            targets[b * contextLength + t] = evalTokens[start + t + 1]!;
          }
        }
        out.push(toFeeds(inputs, targets));
      }
      return out;
    },
  };
}

/** A text corpus's byte tokens (the chat and instruct corpora shuffle their records with `seed`). */
export function corpusTokens(name: Extract<DataSpec, { kind: "text" }>["corpus"], maxBytes: number | undefined, seed: number): Uint8Array {
  const corpusOptions = maxBytes === undefined ? {} : { maxBytes };
  if (name === "english") return englishCorpus(corpusOptions);
  if (name === "code") return codeCorpus(corpusOptions);
  if (name === "python") return pythonCorpus(corpusOptions);
  if (name === "chat") return chatCorpus({ ...corpusOptions, seed });
  return instructCorpus({ ...corpusOptions, seed });
}
