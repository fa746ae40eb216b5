/**
 * The trainer end to end on tiny configs: the loss falls on a learnable task, runs are
 * byte-for-byte deterministic, LoRA leaves every non-adapted weight bit-identical and
 * changes adapted ones by a rank ≤ r update, and checkpoints read back through src/io.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import { readCheckpointTensors } from "../../src/train/read-checkpoint.ts";
import { saveCheckpoint } from "../../src/train/save-checkpoint.ts";
import { trainModel } from "../../src/train/train-model.ts";
import { datasetSource } from "../../src/harness/dataset-source.ts";
import { VTHR_VIT } from "../../src/models/vit-config.ts";
import type { TrainConfig } from "../../src/train/train-config.ts";
import { TINY_RUN, TINY_VIT } from "./tiny-run.ts";

/**
 * sha256 of the parameters of TINY_RUN and of a 6-step VTHR-sized run. With onnxruntime's own
 * Softmax kernels (the default) the bytes depend on whether the CPU has AVX-512F; with portable
 * Softmax they are the same on both. Measured on an AMD EPYC with AVX-512 and under
 * `qemu-x86_64 -cpu Haswell` (AVX2 + FMA, no AVX-512).
 */
const TRAINED_BYTES_SHA256 = {
  portable: "351eb8fbc49e7c188a3a54d2513393a9ca7baa4355de08b3d3b257568295bb6a",
  avx512: "d836cee34274d1d66b6191d8b427558fdcfa1cf1f9da5d713cf6553c4cc401eb",
  avx2: "be037b8977311ce8695d0f69935ebf91836ef3b8dd865b54016bcf62405d556b",
};

/** The CPU's feature flags from /proc/cpuinfo, or undefined where there is none. */
async function cpuFlags(): Promise<Set<string> | undefined> {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => undefined);
  const flags = cpuinfo?.match(/^flags\s*:(.*)$/m)?.[1];
  return flags === undefined ? undefined : new Set(flags.trim().split(/\s+/));
}

const mean = (values: Float32Array, from: number, to: number): number => values.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);

describe("trainModel", () => {
  test("loss falls and held-out accuracy beats chance on a learnable task", async () => {
    const result = await trainModel(TINY_RUN, datasetSource);
    expect(mean(result.losses, 30, 40)).toBeLessThan(0.7 * mean(result.losses, 0, 5));
    const final = result.evals.at(-1)!;
    expect(final.examples).toBe(64);
    expect(final.accuracy!).toBeGreaterThan(3 / 6);
  });

  test("the same config gives the same bytes; another seed does not", async () => {
    const short = { ...TINY_RUN, steps: 8 };
    const [first, second, other] = await Promise.all([
      trainModel(short, datasetSource),
      trainModel(short, datasetSource),
      trainModel({ ...short, seed: 12 }, datasetSource),
    ]);
    const bytes = (r: typeof first) => Buffer.concat(r.params.map((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength)));
    expect(bytes(first).equals(bytes(second))).toBe(true);
    expect(Buffer.from(first.losses.buffer).equals(Buffer.from(second.losses.buffer))).toBe(true);
    expect(bytes(first).equals(bytes(other))).toBe(false);
  });

  test("the bytes are the ones committed here: one hash per CPU family, and one for every family with portable Softmax (docs/reproducibility.md)", async () => {
    const flags = await cpuFlags();
    if (process.arch !== "x64" || !flags?.has("avx2") || !flags.has("fma")) {
      // onnxruntime runs SSE/AVX-only kernels there, or is not on x86-64: other last bits, as documented.
      console.warn("skipped: the committed training bytes are claimed for x86-64 CPUs with AVX2 and FMA only");
      return;
    }
    const vthrSized: TrainConfig = {
      ...TINY_RUN,
      objective: { kind: "vit-classification", vit: { ...VTHR_VIT, numClasses: 6 } },
      data: { ...TINY_RUN.data, imageSize: VTHR_VIT.imageSize } as TrainConfig["data"],
      steps: 6,
      batchSize: 32,
    };
    const trainedBytes = async (portableSoftmax: boolean): Promise<string> => {
      const hash = new Bun.CryptoHasher("sha256");
      for (const config of [TINY_RUN, vthrSized]) {
        const { params } = await trainModel(config, datasetSource, { portableSoftmax });
        for (const p of params) hash.update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
      }
      return hash.digest("hex");
    };
    // A change here means the trainer now writes other bytes: bump TRAINER_VERSION (src/harness/train-planned.ts) with it.
    expect(await trainedBytes(true)).toBe(TRAINED_BYTES_SHA256.portable);
    expect(await trainedBytes(false)).toBe(flags.has("avx512f") ? TRAINED_BYTES_SHA256.avx512 : TRAINED_BYTES_SHA256.avx2);
  }, 120_000);

  test("LoRA keeps non-adapted weights bit-identical and adds a rank ≤ r update to query/value", async () => {
    const parent = await trainModel({ ...TINY_RUN, steps: 5 }, datasetSource);
    const rank = 2;
    const child = await trainModel(
      {
        ...TINY_RUN,
        steps: 15,
        seed: 99,
        data: { kind: "image-task", task: "background-hue", seed: 4, trainCount: 128, evalCount: 32, imageSize: 8 },
        lora: { rank, alpha: 4, targets: ["attention.attention.query", "attention.attention.value"] },
      },
      datasetSource,
      { parentTensors: parent.params },
    );
    const parentByName = new Map(parent.params.map((p) => [p.name, p]));
    let adapted = 0;
    for (const tensor of child.params) {
      const before = parentByName.get(tensor.name)!;
      const isAdapted = /attention\.attention\.(query|value)\.weight$/.test(tensor.name);
      const isHead = tensor.name.startsWith("classifier.");
      if (isHead) continue; // fresh head for the new task, trained
      if (!isAdapted) {
        expect(
          Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).equals(
            Buffer.from(before.data.buffer, before.data.byteOffset, before.data.byteLength),
          ),
        ).toBe(true);
        continue;
      }
      adapted++;
      const [rows, cols] = tensor.shape as [number, number];
      const delta = new Matrix(rows, cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) delta.set(i, j, tensor.data[i * cols + j]! - before.data[i * cols + j]!);
      const singular = new SingularValueDecomposition(delta).diagonal;
      expect(singular[0]!).toBeGreaterThan(1e-5); // it did train
      expect(singular[rank]! / singular[0]!).toBeLessThan(1e-3); // beyond rank r: f32 rounding only
    }
    expect(adapted).toBe(4);
  });

  test("the masked-patch objective's held-out reconstruction error falls", async () => {
    const result = await trainModel(
      {
        ...TINY_RUN,
        objective: { kind: "vit-masked-patches", vit: TINY_VIT, maskRatio: 0.5 },
        data: { kind: "image-mixture", tasks: ["background-hue", "shape"], seed: 3, trainCount: 256, evalCount: 64, imageSize: 8 },
        evalEvery: 5,
      },
      datasetSource,
    );
    expect(result.evals[0]!.step).toBe(5);
    expect(result.evals.at(-1)!.loss).toBeLessThan(0.8 * result.evals[0]!.loss);
    expect(result.hfConfig.architectures).toEqual(["ViTForMaskedImageModeling"]);
  });

  test("the Llama-like LM learns English bytes: held-out loss far below log(256)", async () => {
    const llama = { vocabSize: 256, dim: 16, depth: 1, heads: 2, mlpDim: 32, contextLength: 16, rmsNormEps: 1e-6, ropeTheta: 10000, initializerRange: 0.02 };
    const result = await trainModel(
      {
        ...TINY_RUN,
        objective: { kind: "llama-next-token", llama },
        data: { kind: "text", corpus: "english", seed: 1, maxBytes: 50000 },
        batchSize: 8,
      },
      datasetSource,
    );
    expect(result.losses[0]!).toBeGreaterThan(0.9 * Math.log(256));
    expect(result.evals.at(-1)!.loss).toBeLessThan(0.65 * Math.log(256));
  });

  test("a classifier fine-tune of a masked-patch root drops the decoder and trains the new head even under LoRA", async () => {
    const root = await trainModel({ ...TINY_RUN, steps: 3, objective: { kind: "vit-masked-patches", vit: TINY_VIT, maskRatio: 0.5 } }, datasetSource);
    const lora = { rank: 2, alpha: 2, targets: ["attention.attention.query", "attention.attention.value"] };
    const child = await trainModel({ ...TINY_RUN, steps: 5, lora, freshParams: [] }, datasetSource, { parentTensors: root.params });
    const names = child.params.map((p) => p.name);
    expect(names).toContain("classifier.weight");
    expect(names.some((name) => name.startsWith("decoder.") || name.includes("mask_token"))).toBe(false);
    const untouched = await trainModel({ ...TINY_RUN, steps: 0, lora, freshParams: [] }, datasetSource, { parentTensors: root.params });
    const head = (r: typeof child) => r.params.find((p) => p.name === "classifier.weight")!.data;
    expect(head(child)).not.toEqual(head(untouched));
    const key = (r: typeof child) => r.params.find((p) => p.name === "vit.encoder.layer.0.attention.attention.key.weight")!.data;
    expect(key(child)).toEqual(root.params.find((p) => p.name === "vit.encoder.layer.0.attention.attention.key.weight")!.data);
  });

  test("stateless SGD and SGD with momentum run through the same carried loop and learn", async () => {
    for (const optimizer of [{ kind: "sgd" as const }, { kind: "sgd" as const, momentum: 0.5 }]) {
      const result = await trainModel({ ...TINY_RUN, optimizer, lr: 0.1 }, datasetSource);
      expect(mean(result.losses, 30, 40)).toBeLessThan(0.8 * mean(result.losses, 0, 5));
    }
  });

  test("a classifier whose size differs from the task's classes is a clear error", async () => {
    await expect(trainModel({ ...TINY_RUN, objective: { kind: "vit-classification", vit: { ...TINY_VIT, numClasses: 5 } } }, datasetSource)).rejects.toThrow(
      /number of classes/,
    );
  });
});

describe("saveCheckpoint", () => {
  test("writes a HF folder that src/io reads back with the same names, shapes, dtype and values", async () => {
    const folder = await mkdtemp(join(tmpdir(), "mother-ckpt-"));
    try {
      const result = await trainModel({ ...TINY_RUN, steps: 2 }, datasetSource);
      await saveCheckpoint(join(folder, "model-a"), { tensors: result.params, hfConfig: result.hfConfig, training: TINY_RUN });
      const infos = await openSafetensorsFile(join(folder, "model-a", "model.safetensors"));
      expect(infos.map((info) => info.name).sort()).toEqual(result.params.map((p) => p.name).sort());
      const query = infos.find((info) => info.name === "vit.encoder.layer.1.attention.attention.query.weight")!;
      expect(query.dtype).toBe("F32");
      expect(query.shape).toEqual([16, 16]);
      const back = await readCheckpointTensors(join(folder, "model-a"));
      for (const tensor of result.params) expect(back.find((b) => b.name === tensor.name)!.data).toEqual(tensor.data);
      const config = JSON.parse(await readFile(join(folder, "model-a", "config.json"), "utf8"));
      expect(config).toMatchObject({ model_type: "vit", hidden_size: 16, torch_dtype: "float32" });
      expect(JSON.parse(await readFile(join(folder, "model-a", "training.json"), "utf8"))).toEqual(JSON.parse(JSON.stringify(TINY_RUN)));

      await saveCheckpoint(join(folder, "model-b"), { tensors: result.params, hfConfig: result.hfConfig, training: TINY_RUN, dtype: "BF16" });
      const bf16 = await openSafetensorsFile(join(folder, "model-b", "model.safetensors"));
      expect(new Set(bf16.map((info) => info.dtype))).toEqual(new Set(["BF16"]));
      const roundTrip = (await readCheckpointTensors(join(folder, "model-b"))).find((t) => t.name === query.name)!;
      const original = result.params.find((t) => t.name === query.name)!;
      for (let i = 0; i < original.data.length; i++)
        expect(Math.abs(roundTrip.data[i]! - original.data[i]!)).toBeLessThanOrEqual(Math.abs(original.data[i]!) / 256);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
