/**
 * Where a GGUF chunk's time goes, kernel by kernel (issue #12's speed): on one chunk of 65,536
 * values per model (the layer pass's chunk) in kernel memory, the CPU time per value of
 *
 *   - copying the chunk's raw Q8_0 bytes, and its f32 values (the memcpy baselines),
 *   - each native decoder (Q8_0, Q4_K, Q5_K, Q6_K → f32),
 *   - the power sums of one model's chunk (the statistics),
 *   - the pairwise max |Δ| and Σ|Δ| of --models models (per value of each model),
 *   - the fused call (WeightKernels.layerChunk: decode, power sums and pairwise of every model, a
 *     run of 512 values at a time), against the three calls one after another,
 *   - the power sums from the blocks' integers (addBlockPowerSums), fused with decode and pairwise
 *     (a distance layer) and alone (a layer read for its statistics: no decode),
 *   - reading the chunk's bytes from a warm file with one pread per chunk and per 1 MB window.
 *
 * Needs the native kernels (MOTHER_KERNELS unset, a C compiler at install).
 * Usage: bun run bench/gguf-kernels.ts [--models 4] [--repeat 2000]
 */
import { closeSync, mkdtempSync, openSync, readSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GGML_LAYOUTS, ggmlByteLength } from "../src/io/gguf/ggml-types.ts";
import { loadWeightKernels } from "../src/kernels/weight-kernels.ts";
import type { GgmlType } from "../src/types.ts";

const { values: args } = parseArgs({ options: { models: { type: "string", default: "4" }, repeat: { type: "string", default: "2000" } } });
const models = Number(args.models);
const repeat = Number(args.repeat);
const CHUNK = 65536;

const kernels = await loadWeightKernels();
if (kernels.backend !== "native") throw new Error("bench/gguf-kernels.ts measures the native kernels: none here");
const buffers = Array.from({ length: models }, () => kernels.allocate(CHUNK * 4));
const sources = Array.from({ length: models }, () => kernels.allocate(CHUNK * 2));
const sums = Array.from({ length: models }, () => kernels.powerSumAccumulator());
const pairwise = kernels.pairwiseAccumulator(buffers);
const plan = kernels.chunkPlan(models, [pairwise]);
const copy = kernels.allocate(CHUNK * 4);

/** Random valid blocks of `type` (small finite f16 scales) in every model's source region. */
function fillBlocks(type: GgmlType): void {
  const { blockBytes } = GGML_LAYOUTS[type];
  const scales = type === "Q8_0" ? [0] : type === "Q6_K" ? [208] : [0, 2];
  for (const [m, source] of sources.entries()) {
    const bytes = kernels.bytes(source, ggmlByteLength(type, CHUNK));
    let state = 1 + m;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
    for (let at = 0; at < bytes.length; at += blockBytes) for (const s of scales) bytes[at + s + 1] = 0x14;
  }
}

/** CPU nanoseconds per value of `work` over `values` values, after a warm-up. */
function time(values: number, work: () => void): number {
  for (let i = 0; i < 50; i++) work();
  const start = process.cpuUsage();
  for (let i = 0; i < repeat; i++) work();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / repeat / values;
}

const rows: [string, number][] = [];
const row = (name: string, nsPerValue: number) => rows.push([name, nsPerValue]);
const heap = new Uint8Array(kernels.bytes(0, 0).buffer);
row(
  "memcpy of a chunk's Q8_0 bytes",
  time(CHUNK, () => heap.copyWithin(copy, sources[0]!, sources[0]! + ggmlByteLength("Q8_0", CHUNK))),
);
row(
  "memcpy of a chunk's f32 values",
  time(CHUNK, () => heap.copyWithin(copy, buffers[0]!, buffers[0]! + CHUNK * 4)),
);
for (const type of ["Q8_0", "Q4_K", "Q5_K", "Q6_K"] as const) {
  fillBlocks(type);
  row(
    `decode ${type} → f32`,
    time(CHUNK, () => kernels.dequantize(sources[0]!, buffers[0]!, CHUNK, type)),
  );
}
fillBlocks("Q8_0");
for (const [m, buffer] of buffers.entries()) kernels.dequantize(sources[m]!, buffer, CHUNK, "Q8_0");
const scale = kernels.addPowerSums(buffers[0]!, CHUNK, 0, sums[0]!, 0);
row(
  "power sums (a later chunk: scale known)",
  time(CHUNK, () => kernels.addPowerSums(buffers[0]!, CHUNK, 0, sums[0]!, scale)),
);
row(
  `pairwise |Δ| of ${models} models, per model value`,
  time(CHUNK * models, () => kernels.addPairwise(pairwise, CHUNK)),
);
for (const type of ["Q8_0", "Q4_K", "Q6_K"] as const) {
  fillBlocks(type);
  const separate = () => {
    for (const [m, buffer] of buffers.entries()) {
      kernels.dequantize(sources[m]!, buffer, CHUNK, type);
      kernels.addPowerSums(buffer, CHUNK, 0, sums[m]!, scale);
    }
    kernels.addPairwise(pairwise, CHUNK);
  };
  const chunks = buffers.map((buffer, m) => ({ type, source: sources[m]!, target: buffer, sums: sums[m]!, shift: 0, scale }));
  row(`${type}: decode + power sums + pairwise, one after another`, time(CHUNK * models, separate));
  row(
    `${type}: the same fused (layerChunk)`,
    time(CHUNK * models, () => kernels.layerChunk(plan, chunks, CHUNK)),
  );
  // The integer-domain statistics (native/block-moments.c): a distance layer still decodes for its pairwise |Δ|.
  const decoded = chunks.map((chunk) => ({ ...chunk, scale: -1, integer: { decode: true } }));
  row(
    `${type}: fused, power sums from the integers`,
    time(CHUNK * models, () => kernels.layerChunk(plan, decoded, CHUNK)),
  );
  row(
    `${type}: power sums from the integers alone (no decode)`,
    time(CHUNK, () => kernels.addBlockPowerSums(sources[0]!, CHUNK, type, 0, sums[0]!)),
  );
}

// Reading: a warm 64 MB file, a chunk's Q8_0 bytes per pread against 1 MB per pread.
const file = join(mkdtempSync(join(tmpdir(), "gguf-kernels-")), "blocks.bin");
writeFileSync(file, new Uint8Array(64 * 1024 * 1024).fill(7));
const fd = openSync(file, "r");
const window = kernels.allocate(1024 * 1024);
for (const size of [ggmlByteLength("Q8_0", CHUNK), 1024 * 1024]) {
  const reads = Math.floor((64 * 1024 * 1024) / size);
  let at = 0;
  const perByte = time(size, () => {
    readSync(fd, kernels.bytes(window, size), 0, size, (at = (at + 1) % reads) * size);
  });
  row(`pread of ${(size / 1024).toFixed(0)} KB (per byte, warm page cache)`, perByte);
}
closeSync(fd);

console.log(`native kernels, ${navigator.hardwareConcurrency} cores, chunk ${CHUNK} values, median-free CPU time over ${repeat} repeats`);
for (const [name, ns] of rows) console.log(`${name.padEnd(58)} ${ns.toFixed(3)} ns/value  (${(1 / ns).toFixed(2)} G/s)`);
