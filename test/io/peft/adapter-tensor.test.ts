import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { join } from "node:path";
import { deltaRows, lowRankFactors, lowRankTensor } from "../../../src/io/peft/adapter-tensor.ts";
import { readTensor, TensorScratch } from "../../../src/io/read-safetensors.ts";
import { openSafetensorsFile } from "../../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import type { TensorInfo } from "../../../src/types.ts";
import { nativeKernels } from "../../../src/kernels/native-kernels.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

/** Δ = scale · B · A by the definition, in f64, [out, in] (or its transpose [in, out]). */
function denseDelta(a: Float64Array, b: Float64Array, rank: number, fanIn: number, fanOut: number, scale: number, transposed: boolean): Float64Array {
  const delta = new Float64Array(fanIn * fanOut);
  for (let o = 0; o < fanOut; o++) {
    for (let i = 0; i < fanIn; i++) {
      let sum = 0;
      for (let k = 0; k < rank; k++) sum += b[o * rank + k]! * a[k * fanIn + i]!;
      delta[transposed ? i * fanOut + o : o * fanIn + i] = scale * sum;
    }
  }
  return delta;
}

const info = (name: string, shape: number[]): TensorInfo => ({ name, dtype: "F32", shape, file: "x", offset: 0, byteLength: 4 * shape[0]! * shape[1]! });

describe("deltaRows", () => {
  test("any chunk of rows equals the same rows of the dense product, plain and transposed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        fc.double({ min: -4, max: 4, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        (rank, fanIn, fanOut, transposed, scale, seed) => {
          let state = seed + 1;
          const random = () => ((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1;
          const a = Float64Array.from({ length: rank * fanIn }, random);
          const b = Float64Array.from({ length: fanOut * rank }, random);
          const delta = {
            base: info("w", transposed ? [fanIn, fanOut] : [fanOut, fanIn]),
            a: info("a", [rank, fanIn]),
            b: info("b", [fanOut, rank]),
            scale,
            transposed,
          };
          const factors = lowRankFactors(delta, a, b);
          const dense = denseDelta(a, b, rank, fanIn, fanOut, scale, transposed);
          const rows = factors.rows;
          const first = Math.floor(Math.abs(random()) * rows);
          const count = 1 + Math.floor(Math.abs(random()) * (rows - first));
          const out = new Float64Array(count * factors.cols).fill(7);
          deltaRows(factors, first, count, out);
          const expected = dense.subarray(first * factors.cols, (first + count) * factors.cols);
          for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(expected[i]!, 10);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("a hand-computed 2 × 2 update: scale 2, B = [1; 3], A = [1 2]", () => {
    const delta = { base: info("w", [2, 2]), a: info("a", [1, 2]), b: info("b", [2, 1]), scale: 2, transposed: false };
    const out = new Float64Array(4);
    deltaRows(lowRankFactors(delta, [1, 2], [1, 3]), 0, 2, out);
    expect([...out]).toEqual([2, 4, 6, 12]);
    deltaRows(lowRankFactors({ ...delta, transposed: true }, [1, 2], [1, 3]), 0, 2, out);
    expect([...out]).toEqual([2, 6, 4, 12]);
  });
});

describe("low-rank tensors read like stored ones", () => {
  test("streamed base + Δ equals the dense sum, whole and in row ranges, f32 and bf16 bases", async () => {
    const folder = temporaryFolder("mother-adapter-tensor-");
    const [rank, fanIn, fanOut] = [3, 5, 4];
    const a = Float32Array.from({ length: rank * fanIn }, (_, i) => Math.sin(i + 1));
    const b = Float32Array.from({ length: fanOut * rank }, (_, i) => Math.cos(i + 1));
    const w = Float32Array.from({ length: fanOut * fanIn }, (_, i) => 0.25 * i - 2);
    for (const dtype of ["F32", "BF16"] as const) {
      const file = join(folder, `m-${dtype}.safetensors`);
      await writeSafetensors(file, [
        { name: "w", dtype, shape: [fanOut, fanIn], data: w },
        { name: "a", dtype: "F32", shape: [rank, fanIn], data: a },
        { name: "b", dtype: "F32", shape: [fanOut, rank], data: b },
      ]);
      const tensors = new Map((await openSafetensorsFile(file)).map((t) => [t.name, t]));
      const virtual = lowRankTensor(tensors.get("w")!, { a: tensors.get("a")!, b: tensors.get("b")!, scale: 0.5, transposed: false });
      expect(virtual.dtype).toBe("F32");
      expect(virtual.byteLength).toBe(fanOut * fanIn * 4);
      const base = await readTensor(tensors.get("w")!);
      const dense = denseDelta(Float64Array.from(a), Float64Array.from(b), rank, fanIn, fanOut, 0.5, false);
      const whole = await readTensor(virtual, new TensorScratch());
      for (let i = 0; i < whole.length; i++) expect(whole[i]).toBeCloseTo(base[i]! + dense[i]!, 5);
      const sample = await readTensor(virtual, undefined, { count: 2 * fanIn });
      expect([...sample]).toEqual([...whole.subarray(0, 2 * fanIn)]);
    }
  });

  test("a fan_in_fan_out (GPT-2 Conv1D) layer stored [in, out] reads as base + (B · A)ᵀ", async () => {
    const folder = temporaryFolder("mother-adapter-tensor-");
    const [rank, fanIn, fanOut] = [2, 3, 5];
    const a = Float32Array.from({ length: rank * fanIn }, (_, i) => i - 2);
    const b = Float32Array.from({ length: fanOut * rank }, (_, i) => 0.5 * i);
    const w = Float32Array.from({ length: fanIn * fanOut }, (_, i) => i);
    const file = join(folder, "conv1d.safetensors");
    await writeSafetensors(file, [
      { name: "h.0.attn.c_attn.weight", dtype: "F32", shape: [fanIn, fanOut], data: w },
      { name: "a", dtype: "F32", shape: [rank, fanIn], data: a },
      { name: "b", dtype: "F32", shape: [fanOut, rank], data: b },
    ]);
    const tensors = new Map((await openSafetensorsFile(file)).map((t) => [t.name, t]));
    const virtual = lowRankTensor(tensors.get("h.0.attn.c_attn.weight")!, { a: tensors.get("a")!, b: tensors.get("b")!, scale: 2, transposed: true });
    const dense = denseDelta(Float64Array.from(a), Float64Array.from(b), rank, fanIn, fanOut, 2, true);
    const values = await readTensor(virtual);
    expect([...values]).toEqual([...w].map((x, i) => Math.fround(x + dense[i]!)));
  });
});

describe("the native twin of the row update", () => {
  test("gives stored + L·R as the definition does (rank 13, 7 columns: every remainder path), in row ranges", async () => {
    const choice = await nativeKernels();
    if (!choice.native) return; // no C compiler here: the TypeScript loop serves alone and is tested above
    const [rank, fanIn, fanOut] = [13, 7, 9];
    const a = Float64Array.from({ length: rank * fanIn }, (_, i) => Math.sin(3 * i + 1));
    const b = Float64Array.from({ length: fanOut * rank }, (_, i) => Math.cos(5 * i + 2));
    const delta = { base: info("w", [fanOut, fanIn]), a: info("a", [rank, fanIn]), b: info("b", [fanOut, rank]), scale: 0.75, transposed: false };
    const factors = lowRankFactors(delta, a, b);
    const dense = denseDelta(a, b, rank, fanIn, fanOut, 0.75, false);
    const [firstRow, rows] = [2, 5];
    const stored = Float32Array.from({ length: rows * fanIn }, (_, i) => i / 7 - 2);
    const out = new Float32Array(rows * fanIn);
    choice.native.addLowRankRows(stored, factors.left, factors.right, out, firstRow, rows, fanIn, rank);
    for (let i = 0; i < out.length; i++) {
      const expected = stored[i]! + dense[firstRow * fanIn + i]!;
      expect(Math.abs(out[i]! - expected)).toBeLessThanOrEqual(Math.abs(expected) * 2 ** -23);
    }
  });
});
