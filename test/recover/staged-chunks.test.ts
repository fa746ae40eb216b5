/**
 * Fused chunks (src/recover/staged-chunks.ts): a layer of GGUF models, whose blocks the native
 * kernels decode, sum and compare in one call per chunk, gives exactly — bit for bit — the
 * statistics and distances of the same decoded values stored as f32 safetensors (read and swept
 * the plain way); a Q8_0, Q4_K or Q6_K layer read for its statistics only is summed from its blocks'
 * integers instead, and gives the f64 statistics of the decoded values within 1e-10. The blocks are random with scales that change from chunk to chunk, so chunks
 * overflow the first chunk's scale and are summed again, and a first chunk of zeros leaves the
 * scale to be found later; rotary rows, runs cut short and values past the last 128-value block
 * are all there.
 */
import { describe, expect, test } from "bun:test";
import { dlopen, FFIType } from "bun:ffi";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { openGgufFile } from "../../src/io/gguf/read-gguf.ts";
import { writeGguf } from "../../src/io/gguf/write-gguf.ts";
import { GGML_LAYOUTS } from "../../src/io/gguf/ggml-types.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { analyseLayer, type LayerJob } from "../../src/recover/layer-pass.ts";
import { INTEGER_SHIFT_LIMIT, layerMapping, layerStreaming } from "../../src/recover/staged-chunks.ts";
import { STREAM_MODELS, type StreamedModel } from "../../src/kernels/block-kernels.ts";
import { nativeLibrary } from "../../src/kernels/build-native.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import { MotherError } from "../../src/errors.ts";
import type { TensorInfo } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { cutWhileMapped, half } from "../faults/cut-while-mapped.ts";

type Decoded = "Q8_0" | "Q4_K" | "Q5_K" | "Q6_K";

/** The types whose statistics-only layers are summed from their integers (with the native kernels). */
const INTEGER_TYPES: Decoded[] = ["Q8_0", "Q4_K", "Q6_K"];

/** Where a block's f16 scale(s) lie, per type. */
const SCALES: Record<Decoded, number[]> = { Q8_0: [0], Q4_K: [0, 2], Q5_K: [0, 2], Q6_K: [208] };

/**
 * Random blocks of `type` for `rows` × `cols` values of model `model`: f16 scales of 2^−14 … 2^−11
 * in the first half of the rows (more than a chunk) and 2^15 … 2^16 after it (a chunk there spans 2^25 times the
 * first chunk's range, past what its scale can sum), and the first `zeroRows` rows all zero
 * (no scale from the first chunk).
 */
function blocks(type: Decoded, rows: number, cols: number, model: number, zeroRows: number): Uint8Array {
  const { blockBytes, blockValues } = GGML_LAYOUTS[type];
  const perRow = cols / blockValues;
  const bytes = new Uint8Array(rows * perRow * blockBytes);
  let state = 17 + model * 7919;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
  for (let row = 0; row < rows; row++) {
    for (let b = 0; b < perRow; b++) {
      const at = (row * perRow + b) * blockBytes;
      if (row < zeroRows) bytes.fill(0, at, at + blockBytes);
      else for (const s of SCALES[type]) bytes[at + s + 1] = ((row < rows / 2 ? 1 : 30) << 2) | (row & 3);
    }
  }
  return bytes;
}

/** The shapes: Q8_0 with a 32-value tail past the last 128-value block; K-quants with runs cut short; q (Q8_0) and k (Q4_K) rotary, rows across runs. */
const LAYERS: { name: string; gguf: string; type: Decoded; shape: [number, number]; zeroRows: number }[] = [
  { name: "model.layers.0.self_attn.q_proj.weight", gguf: "blk.0.attn_q.weight", type: "Q8_0", shape: [240, 800], zeroRows: 0 },
  { name: "model.layers.0.self_attn.v_proj.weight", gguf: "blk.0.attn_v.weight", type: "Q8_0", shape: [300, 800], zeroRows: 90 },
  { name: "model.layers.0.self_attn.k_proj.weight", gguf: "blk.0.attn_k.weight", type: "Q4_K", shape: [240, 1280], zeroRows: 0 },
  { name: "model.layers.0.mlp.gate_proj.weight", gguf: "blk.0.ffn_gate.weight", type: "Q4_K", shape: [200, 1280], zeroRows: 0 },
  { name: "model.layers.0.mlp.up_proj.weight", gguf: "blk.0.ffn_up.weight", type: "Q5_K", shape: [120, 1280], zeroRows: 60 },
  { name: "model.layers.0.mlp.down_proj.weight", gguf: "blk.0.ffn_down.weight", type: "Q6_K", shape: [120, 1280], zeroRows: 0 },
];

/** The layer job of `tensors` (named by the first), scored and compared as `distance` says, no sketch. */
function layerJob(tensors: TensorInfo[], kind: LayerJob["kind"], shape: readonly number[], distance: boolean): LayerJob {
  return { name: tensors[0]!.name, kind, shape, tensors, roles: { distance, score: true, sketch: false }, sketchSize: 16, histogramBins: 0 };
}

/** Three GGUF models, and the same three decoded into f32 safetensors. */
async function models(): Promise<{ gguf: TensorInfo[][]; f32: TensorInfo[][] }> {
  const folder = temporaryFolder("mother-staged-chunks-");
  const metadata = { "general.architecture": "llama", "llama.attention.head_count": 10, "llama.attention.head_count_kv": 10 };
  const gguf: TensorInfo[][] = [];
  const f32: TensorInfo[][] = [];
  for (let m = 0; m < 3; m++) {
    const file = join(folder, `m${m}.gguf`);
    await writeGguf(
      file,
      metadata,
      LAYERS.map((layer, i) => ({
        name: layer.gguf,
        shape: layer.shape,
        type: layer.type,
        blocks: blocks(layer.type, ...layer.shape, m * 10 + i, layer.zeroRows),
      })),
    );
    const tensors = (await openGgufFile(file)).tensors;
    gguf.push(tensors);
    const decoded = await Promise.all(
      tensors.map(async (t) => ({ name: t.name, shape: t.shape, dtype: "F32" as const, data: Float32Array.from(await readTensor(t)) })),
    );
    await writeSafetensors(join(folder, `m${m}.safetensors`), decoded);
    f32.push(await openSafetensorsFile(join(folder, `m${m}.safetensors`)));
  }
  return { gguf, f32 };
}

describe("fused GGUF chunks", () => {
  test("give the statistics and distances of the decoded values read as f32 (bit for bit, or from the integers within 1e-10)", async () => {
    const { gguf, f32 } = await models();
    const kernels = await threadKernels();
    for (const layer of LAYERS) {
      for (const roles of [
        { distance: true, score: true, sketch: false },
        { distance: false, score: true, sketch: false },
      ]) {
        const job = (sets: TensorInfo[][]) =>
          layerJob(
            sets.map((tensors) => tensors.find((t) => t.name === layer.name)!),
            "query",
            layer.shape,
            roles.distance,
          );
        const [fused, plain] = [await analyseLayer(job(gguf)), await analyseLayer(job(f32))];
        // The WebAssembly kernels sum no integers (sumsIntegers): there every layer is the f32 path's, bit for bit.
        const integerSums = !roles.distance && INTEGER_TYPES.includes(layer.type) && kernels.sumsIntegers(layer.type);
        expect(integerSums).toBe(!roles.distance && INTEGER_TYPES.includes(layer.type) && kernels.backend === "native");
        if (!integerSums) expect(fused.stats).toEqual(plain.stats);
        else {
          // Summed from the blocks' integers (block-moments.c): near the f64 sums of the decoded values, not the f32 path's bits.
          const exact = (await analyseLayer(job(f32), "reference")).stats;
          for (const [m, stats] of fused.stats.entries()) {
            const want = exact[m]!;
            // Within 1e-10 (the f32 path is within ~1e-9 here; the integers within ~2e-12), the mean relative to σ.
            const sigma = Math.sqrt(want.variance);
            expect(Math.abs(stats.mean - want.mean)).toBeLessThanOrEqual(1e-10 * (Math.abs(want.mean) + sigma));
            expect(Math.abs(stats.variance / want.variance - 1)).toBeLessThanOrEqual(1e-10);
            expect(Math.abs(stats.skewness - want.skewness)).toBeLessThanOrEqual(1e-10 * (Math.abs(want.skewness) + 1));
            expect(Math.abs(stats.kurtosis / want.kurtosis - 1)).toBeLessThanOrEqual(1e-10);
            expect([stats.min, stats.max, stats.count]).toEqual([want.min, want.max, want.count]);
          }
        }
        expect([...fused.maxAbsDiff]).toEqual([...plain.maxAbsDiff]);
        expect([...fused.meanAbsDiff]).toEqual([...plain.meanAbsDiff]);
        expect([fused.zeroFraction, fused.gridLevels]).toEqual([plain.zeroFraction, plain.gridLevels]);
        expect(plain.stats.every((s) => Number.isFinite(s.variance) && s.variance > 0)).toBe(true);
      }
    }
  }, 60_000);
});

describe("integer-domain statistics", () => {
  test("a layer far from zero (|shift| ≫ σ) keeps the f32 path: the statistics of its decoded values bit for bit", async () => {
    const folder = temporaryFolder("mother-staged-chunks-");
    const [rows, cols] = [96, 1024];
    const gguf: TensorInfo[] = [];
    const f32: TensorInfo[] = [];
    for (let m = 0; m < 2; m++) {
      // d = 2^−10 everywhere, q in 120…127: values ≈ 0.121 ± 0.002, about 55 σ from zero.
      const bytes = new Uint8Array((rows * cols * 34) / 32);
      let state = 5 + m;
      for (let at = 0; at < bytes.length; at += 34) {
        bytes.set([0x00, 0x14], at);
        for (let i = 2; i < 34; i++) bytes[at + i] = 120 + ((state = (state * 1103515245 + 12345) >>> 0) >>> 29);
      }
      const file = join(folder, `far${m}.gguf`);
      await writeGguf(file, { "general.architecture": "gpt2" }, [{ name: "blk.0.ffn_up.weight", shape: [rows, cols], type: "Q8_0", blocks: bytes }]);
      const tensor = (await openGgufFile(file)).tensors[0]!;
      gguf.push(tensor);
      await writeSafetensors(join(folder, `far${m}.safetensors`), [
        { name: tensor.name, shape: tensor.shape, dtype: "F32", data: Float32Array.from(await readTensor(tensor)) },
      ]);
      f32.push((await openSafetensorsFile(join(folder, `far${m}.safetensors`)))[0]!);
    }
    const job = (tensors: TensorInfo[]) => layerJob(tensors, "mlp-in", [rows, cols], false);
    const [fused, plain] = [await analyseLayer(job(gguf)), await analyseLayer(job(f32))];
    expect(fused.stats).toEqual(plain.stats);
    expect(plain.stats[0]!.mean / Math.sqrt(plain.stats[0]!.variance)).toBeGreaterThan(INTEGER_SHIFT_LIMIT);
  });
});

/** `work` run with `switched` (layerStreaming, layerMapping) off, and it back on after. */
async function switchedOff<T>(switched: { enabled: boolean }, work: () => Promise<T>): Promise<T> {
  switched.enabled = false;
  try {
    return await work();
  } finally {
    switched.enabled = true;
  }
}

/** `work` run with the layer's remaining chunks swept chunk by chunk from TypeScript instead of in one native call. */
const chunkByChunk = <T>(work: () => Promise<T>) => switchedOff(layerStreaming, work);

/** `work` run with sweepRest reading its files through preads into the read-ahead windows instead of mappings. */
const unmapped = <T>(work: () => Promise<T>) => switchedOff(layerMapping, work);

/** Two files `cut0.<extension>` and `cut1.<extension>` in a fresh folder, each written by `write` for its model (0, 1), which gives back its tensor. */
async function twoFiles(extension: string, write: (file: string, m: number) => Promise<TensorInfo>): Promise<TensorInfo[]> {
  const folder = temporaryFolder("mother-staged-chunks-");
  return [await write(join(folder, `cut0.${extension}`), 0), await write(join(folder, `cut1.${extension}`), 1)];
}

/** layer-stream.c MAP_ALIGN and RELEASE_BYTES: mappings start on 2 MB boundaries of the file and hand back whole 2 MB folios 32 MB at a time. */
const [MAP_ALIGN, RELEASE_BYTES] = [2 ** 21, 2 ** 25];

/**
 * The ranges ([model, first byte, end byte, the chunk's first and end byte] in its file) one
 * layerStream call must hand back, in its order: at the start of each chunk, each mapped model's whole 2 MB
 * folios before the chunk's first byte, once they are RELEASE_BYTES past what it handed back
 * already (from its mapping's start): nothing the chunk or a later one still reads.
 */
function releasesDue(models: readonly StreamedModel[], range: { readonly first: number; readonly count: number; readonly chunk: number }): number[][] {
  const due: number[][] = [];
  const released = models.map((model) => (model.twin || !model.mapped ? -1 : Math.floor(model.source.offset / MAP_ALIGN) * MAP_ALIGN));
  for (let at = range.first; at < range.count; at += range.chunk)
    for (const [m, model] of models.entries()) {
      if (model.twin || !model.mapped) continue;
      const { blockValues, blockBytes } = GGML_LAYOUTS[model.source.type];
      const first = model.source.offset + Math.floor(at / blockValues) * blockBytes;
      const last = model.source.offset + Math.floor(Math.min(at + range.chunk, range.count) / blockValues) * blockBytes;
      const end = Math.floor(first / MAP_ALIGN) * MAP_ALIGN;
      if (end - released[m]! < RELEASE_BYTES) continue;
      due.push([m, released[m]!, end, first, last]);
      released[m] = end;
    }
  return due;
}

/** What `work` threw (a test fails when it throws nothing: the cut file was read without an error). */
async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("the cut file was read without an error");
}

/**
 * `check` run on the job of every layer of `sets` (three models, and model 0's very tensor again:
 * a twin, read once, compared as a model), compared and not, with the thread kernels' layerStream
 * calls counted where `counted` picks them (check gets the count so far); the method back after.
 */
async function everyLayerJob(
  sets: TensorInfo[][],
  counted: (models: readonly StreamedModel[]) => boolean,
  check: (job: LayerJob, calls: () => number) => Promise<void>,
): Promise<void> {
  const kernels = await threadKernels();
  const layerStream = kernels.layerStream.bind(kernels);
  let calls = 0;
  kernels.layerStream = (plan, streamed, ...rest) => {
    if (counted(streamed)) calls++;
    return layerStream(plan, streamed, ...rest);
  };
  try {
    for (const layer of LAYERS) {
      for (const distance of [true, false]) {
        const tensors = sets.map((set) => set.find((t) => t.name === layer.name)!);
        await check(layerJob([...tensors, tensors[0]!], "query", layer.shape, distance), () => calls);
      }
    }
  } finally {
    Reflect.deleteProperty(kernels, "layerStream"); // the prototype's again (other tests patch it there)
  }
}

describe("a staged layer's remaining chunks in one native call (sweepRest)", () => {
  test("give the per-chunk path's statistics and distances bit for bit, read through mappings or preads, twins, rotary rows and integer sums included", async () => {
    const { gguf } = await models();
    const kernels = await threadKernels();
    if (!kernels.decodesInChunks("Q8_0")) return expect(kernels.backend).toBe("wasm");
    await everyLayerJob(
      gguf,
      () => true,
      async (job, calls) => {
        const before = calls();
        const [streamed, preads, perChunk] = [await analyseLayer(job), await unmapped(() => analyseLayer(job)), await chunkByChunk(() => analyseLayer(job))];
        expect(calls()).toBe(before + 2);
        expect(streamed).toEqual(perChunk);
        expect(preads).toEqual(perChunk);
        expect(streamed.stats[3]).toEqual(streamed.stats[0]!);
      },
    );
  }, 60_000);

  test("a layer of more models than one native call holds (STREAM_MODELS) is swept chunk by chunk, to the same results", async () => {
    const { gguf } = await models();
    const layer = LAYERS[0]!;
    const tensors = gguf.map((set) => set.find((t) => t.name === layer.name)!);
    // Twins of the three models: each is read once, but every one of them is a model of the call.
    const many = Array.from({ length: STREAM_MODELS + 1 }, (_, m) => tensors[m % tensors.length]!);
    const job = layerJob(many, "query", layer.shape, false);
    const [streamed, perChunk] = [await analyseLayer(job), await chunkByChunk(() => analyseLayer(job))];
    expect(streamed).toEqual(perChunk);
    expect(streamed.stats[STREAM_MODELS]).toEqual(streamed.stats[STREAM_MODELS % tensors.length]!);
  });

  test("a file cut short after it was opened (past the first chunk's read-ahead) fails naming the file and tensor, as the per-chunk path does", async () => {
    const [rows, cols] = [2048, 1024];
    const tensors = await twoFiles("gguf", async (file, m) => {
      await writeGguf(file, { "general.architecture": "gpt2" }, [
        { name: "blk.0.attn_v.weight", shape: [rows, cols], type: "Q8_0", blocks: blocks("Q8_0", rows, cols, m, 0) },
      ]);
      return (await openGgufFile(file)).tensors[0]!;
    });
    const job = layerJob(tensors, "value", [rows, cols], true);
    // 1.5 MB of the tensor's 2.2 MB left: the first chunk's 1 MB read-ahead is whole, a later read comes up short.
    await truncate(tensors[1]!.file, tensors[1]!.offset + 1.5 * 1024 * 1024);
    const [streamed, perChunk] = [await failure(() => analyseLayer(job)), await failure(() => chunkByChunk(() => analyseLayer(job)))];
    expect(streamed).toBeInstanceOf(MotherError);
    expect((streamed as MotherError).message).toContain(tensors[1]!.file);
    expect((streamed as MotherError).message).toContain("model.layers.0.self_attn.v_proj.weight is cut short");
    expect((streamed as MotherError).message).toBe((perChunk as MotherError).message);
  });
});

describe("f32 safetensors layers swept where a mapping holds them (sweepRest)", () => {
  test("give the statistics and distances of the plain path (reads into kernel memory, addPowerSums, addPairwise) bit for bit, twins included", async () => {
    const { f32 } = await models();
    const kernels = await threadKernels();
    if (!kernels.decodesInChunks("Q8_0")) return expect(kernels.backend).toBe("wasm");
    const mappedF32 = (streamed: readonly StreamedModel[]) => streamed.some((model) => !model.twin && model.mapped && model.source.type === "F32");
    await everyLayerJob(f32, mappedF32, async (job, calls) => {
      const before = calls();
      const [mapped, plain] = [await analyseLayer(job), await unmapped(() => analyseLayer(job))];
      expect(calls()).toBe(before + 1);
      expect(mapped).toEqual(plain);
      expect(mapped.stats[3]).toEqual(mapped.stats[0]!);
    });
  }, 60_000);

  test("a tensor past what a mapping keeps resident (layer-stream.c RELEASE_BYTES, 32 MB) is handed back as the sweep passes it, exactly the folios behind the chunk in flight, and gives the plain path's results bit for bit", async () => {
    const kernels = await threadKernels();
    if (!kernels.decodesInChunks("Q8_0")) return expect(kernels.backend).toBe("wasm");
    const [rows, cols] = [9216, 2048]; // 72 MB a model: released twice
    // A 1.3 MB tensor before it, so its chunks do not start on 2 MB boundaries of the file.
    const before = { name: "model.embed_tokens.weight", shape: [340_000], dtype: "F32" as const, data: new Float32Array(340_000) };
    const tensors = await twoFiles("safetensors", async (file, m) => {
      const data = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.001 * (m + 1)) * (i < (rows * cols) / 2 ? 1 : 1000));
      await writeSafetensors(file, [before, { name: "model.layers.0.mlp.up_proj.weight", shape: [rows, cols], dtype: "F32", data }]);
      return (await openSafetensorsFile(file)).find((tensor) => tensor.name.includes("up_proj"))!;
    });
    const job = layerJob(tensors, "mlp-in", [rows, cols], true);
    // A shared file mapping reads the same bits whether its pages were handed back or not: the
    // ranges the sweep released (the library's log of them) are checked against the ones its
    // calls had to release, worked out here from their chunks and the tensors' offsets.
    const { symbols } = dlopen(((await nativeLibrary()) as { path: string }).path, {
      mother_released_ranges: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    });
    const log = new Float64Array(5 * 64);
    symbols.mother_released_ranges(log, 0); // empties the log of earlier tests
    const expected: number[][] = [];
    const layerStream = kernels.layerStream.bind(kernels);
    kernels.layerStream = (plan, streamed, range, ...rest) => {
      expected.push(...releasesDue(streamed, range));
      return layerStream(plan, streamed, range, ...rest);
    };
    let mapped: Awaited<ReturnType<typeof analyseLayer>>;
    try {
      mapped = await analyseLayer(job);
    } finally {
      Reflect.deleteProperty(kernels, "layerStream");
    }
    const logged = symbols.mother_released_ranges(log, 64);
    const released = Array.from({ length: Math.min(logged, 64) }, (_, i) => Array.from(log.subarray(5 * i, 5 * i + 5)));
    expect(expected.map(([model]) => model).sort()).toEqual([0, 0, 1, 1]); // each 72 MB model passes 32 MB twice
    expect(released).toEqual(expected);
    expect(mapped).toEqual(await unmapped(() => analyseLayer(job)));
  }, 60_000);

  test("a file cut short while it is mapped fails naming the file and tensor (the safetensors words), as the plain path does", async () => {
    const [rows, cols] = [512, 1024];
    const tensors = await twoFiles("safetensors", async (file, m) => {
      const data = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * (m + 1)));
      await writeSafetensors(file, [{ name: "model.layers.0.self_attn.v_proj.weight", shape: [rows, cols], dtype: "F32", data }]);
      return (await openSafetensorsFile(file))[0]!;
    });
    const job = layerJob(tensors, "value", [rows, cols], true);
    // Cut right before the native call (after the size check): a mapped page past the end faults, and the guard names it.
    // The WebAssembly kernels map no file (mapsF32): no call maps it, so there it is cut before the read, which then
    // comes up short as the plain path's does.
    const maps = (await threadKernels()).decodesInChunks("Q8_0");
    if (!maps) await truncate(tensors[1]!.file, tensors[1]!.offset + Math.floor(tensors[1]!.byteLength / 2));
    const cuts = { calls: 0 };
    const undo = cutWhileMapped(tensors[1]!.file, half, cuts);
    let mapped: unknown;
    try {
      mapped = await failure(() => analyseLayer(job));
    } finally {
      undo();
    }
    expect(cuts.calls).toBe(maps ? 1 : 0);
    const plain = await failure(() => unmapped(() => analyseLayer(job)));
    expect(mapped).toBeInstanceOf(MotherError);
    expect((mapped as MotherError).message).toStartWith(`${tensors[1]!.file}: truncated file: tensor model.layers.0.self_attn.v_proj.weight is cut short`);
    expect((mapped as MotherError).message).toContain(`${Math.floor(tensors[1]!.byteLength / 2)} bytes read`);
    expect((plain as MotherError).message).toBe((mapped as MotherError).message);
  });

  test("a fault inside the pairwise tail (its layout allocated, weight-kernels.c) leaves no layout behind: the guard frees it", async () => {
    const kernels = await threadKernels();
    if (!kernels.decodesInChunks("Q8_0")) return expect(kernels.backend).toBe("wasm");
    const { symbols } = dlopen(((await nativeLibrary()) as { path: string }).path, { mother_pairwise_room_held: { args: [], returns: FFIType.i32 } });
    // The tail's last values, past the last whole power block (128 values, summed after the tail), are
    // read first by pairwise_tail: a shape whose file has a page boundary among them, cut there, faults in it.
    const PAGE = 4096;
    const rows = 130;
    for (let cols = 1001; ; cols++) {
      const values = rows * cols;
      const tail = values % 128;
      const tensors = await twoFiles("safetensors", async (file, m) => {
        const data = Float32Array.from({ length: values }, (_, i) => Math.sin(i * (m + 1)));
        await writeSafetensors(file, [{ name: "model.layers.0.self_attn.v_proj.weight", shape: [rows, cols], dtype: "F32", data }]);
        return (await openSafetensorsFile(file))[0]!;
      });
      const { offset } = tensors[1]!;
      const boundary = Math.ceil((offset + 4 * (values - tail)) / PAGE) * PAGE;
      if (tail === 0 || boundary >= offset + 4 * values) continue;
      const undo = cutWhileMapped(tensors[1]!.file, () => boundary - offset);
      let error: unknown;
      try {
        error = await failure(() => analyseLayer(layerJob(tensors, "value", [rows, cols], true)));
      } finally {
        undo();
      }
      expect((error as MotherError).message).toContain(`is cut short (${boundary - offset} bytes read`);
      expect(symbols.mother_pairwise_room_held()).toBe(0);
      return;
    }
  });
});
