import { describe, expect, test } from "bun:test";
import { datasetSource } from "../../src/harness/dataset-source.ts";

describe("dataSource", () => {
  test("image batches are int64-labelled NCHW floats, deterministic per seed", () => {
    const spec = { kind: "image-task", task: "background-hue", seed: 1, trainCount: 64, evalCount: 32, imageSize: 8 } as const;
    const first = datasetSource(spec, { batchSize: 16 });
    const second = datasetSource(spec, { batchSize: 16 });
    expect(first.numClasses).toBe(6);
    for (let step = 0; step < 6; step++) {
      const a = first.nextTrain();
      const b = second.nextTrain();
      expect(a.pixel_values).toHaveLength(16 * 3 * 8 * 8);
      expect(a.labels).toBeInstanceOf(BigInt64Array);
      expect(Array.from(a.pixel_values as Float32Array)).toEqual(Array.from(b.pixel_values as Float32Array));
    }
    expect(first.evalBatches(16)).toHaveLength(2);
    expect(first.evalBatches(24)).toHaveLength(1); // the incomplete tail is dropped
  });

  test("eval images come from another seed than training images", () => {
    const source = datasetSource({ kind: "image-task", task: "shape", seed: 2, trainCount: 32, evalCount: 32, imageSize: 8 }, { batchSize: 32 });
    const train = source.nextTrain().pixel_values as Float32Array;
    const held = source.evalBatches(32)[0]!.pixel_values as Float32Array;
    const rowsOf = (values: Float32Array) => new Set(Array.from({ length: 32 }, (_, i) => values.subarray(i * 192, i * 192 + 8).join(",")));
    const trainRows = rowsOf(train);
    expect([...rowsOf(held)].filter((row) => trainRows.has(row))).toHaveLength(0);
  });

  test("masking marks exactly maskedCount patches per image, and eval masks repeat", () => {
    const source = datasetSource(
      { kind: "image-mixture", tasks: ["hue", "shape"], seed: 1, trainCount: 32, evalCount: 16, imageSize: 8 },
      { batchSize: 8, masking: { patches: 4, maskedCount: 3, seed: 5 } },
    );
    const mask = source.nextTrain().bool_masked_pos as Float32Array;
    for (let row = 0; row < 8; row++) expect(mask.subarray(row * 4, row * 4 + 4).reduce((a, b) => a + b, 0)).toBe(3);
    expect(Array.from(source.evalBatches(8)[1]!.bool_masked_pos as Float32Array)).toEqual(
      Array.from(source.evalBatches(8)[1]!.bool_masked_pos as Float32Array),
    );
  });

  test("text labels are the inputs shifted by one token", () => {
    const source = datasetSource({ kind: "text", corpus: "english", seed: 1, maxBytes: 20000 }, { batchSize: 4, contextLength: 16 });
    for (const batch of [source.nextTrain(), source.evalBatches(4)[0]!]) {
      const ids = batch.input_ids as BigInt64Array;
      const labels = batch.labels as BigInt64Array;
      for (let row = 0; row < 4; row++) for (let t = 0; t < 15; t++) expect(labels[row * 16 + t]).toBe(ids[row * 16 + t + 1]!);
    }
  });
});
