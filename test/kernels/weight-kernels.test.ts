import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { loadWeightKernels, type WeightKernels } from "../../src/kernels/weight-kernels.ts";
import { layerStats, powerSumShift, statsFromPowerSums } from "../../src/stats/layer-stats.ts";
import { absoluteDifference } from "../../src/distance/elementwise-distance.ts";
import { makeSketcher } from "../../src/recover/low-rank-sketch.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { MotherError } from "../../src/errors.ts";
import { decodeTensorBytes, f16ToF32Table } from "../../src/io/dtype.ts";
import { bidiagonalize, bidiagonalSingularValues, countSingularValuesAbove } from "../../src/distance/bidiagonal-singular-values.ts";

// Every kernel with a native twin (power sums, pairwise |Δ|, sketches, bidiagonalisation, widening) is
// tested in both kernel sets.
const kernels = await loadWeightKernels({ native: false });
const native = await loadWeightKernels();
const sweepKernels: [string, WeightKernels][] = [
  ["WebAssembly", kernels],
  ...(native.backend === "native" ? [["native", native] as [string, WeightKernels]] : []),
];

/** Copies `values` into fresh kernel memory; returns the pointer. */
function place(k: WeightKernels, values: Float32Array): number {
  const pointer = k.allocate(values.byteLength);
  k.f32(pointer, values.length).set(values);
  return pointer;
}

/** Statistics of `values` from kernel set `k`, fed in chunks of `chunk` values. */
function kernelStats(k: WeightKernels, values: Float32Array, chunk = values.length) {
  k.reset();
  const pointer = place(k, values);
  const accumulator = k.powerSumAccumulator();
  const shift = Math.fround(powerSumShift(values));
  let scale = 0; // found by the first chunk, reused by the others (as the recovery pass does)
  for (let first = 0; first < values.length; first += chunk) {
    scale = k.addPowerSums(pointer + first * 4, Math.min(chunk, values.length - first), shift, accumulator, scale);
  }
  return statsFromPowerSums(values.length, k.readPowerSums(accumulator, shift));
}

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}

/** Layers of every shape the recovery pass meets: centred, offset (LayerNorm-like), heavy-tailed, tiny, huge. */
function layer(kind: number, count: number, seed: number): Float32Array {
  const g = makeGaussian(count, seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const x = g[i]!;
    out[i] = [0.02 * x, 1 + 1e-3 * x, 0.05 * x * x * x, 1e-25 * x, 1e30 * x, 3 + 0.5 * Math.abs(x)][kind]!;
  }
  return out;
}

describe.each(sweepKernels)("%s sweeps", (_, k) => {
  describe("addPowerSums", () => {
    test("moments match the all-f64 two-pass reference to 1e-6 on every kind of layer, any length and chunking", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 2, max: 5000 }),
          fc.integer({ min: 1, max: 3000 }),
          fc.integer(),
          (kind, count, chunk, seed) => {
            const values = layer(kind, count, seed);
            const expected = layerStats(values, 0);
            const actual = kernelStats(k, values, chunk);
            expect(actual.min).toBe(expected.min);
            expect(actual.max).toBe(expected.max);
            // The mean can sit at ~0: its error is measured in standard deviations.
            expect(Math.abs(actual.mean - expected.mean)).toBeLessThan(1e-6 * Math.sqrt(expected.variance));
            expect(relative(actual.variance, expected.variance)).toBeLessThan(1e-6);
            expect(relative(actual.kurtosis, expected.kurtosis)).toBeLessThan(1e-6);
            expect(Math.abs(actual.skewness - expected.skewness)).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected.skewness)));
          },
        ),
        { numRuns: 150 },
      );
    });

    test("agrees with the reference to ~1e-9 on a realistic million-weight layer", () => {
      const values = layer(0, 1 << 20, 7);
      const expected = layerStats(values, 0);
      const actual = kernelStats(k, values, 16384);
      expect(relative(actual.variance, expected.variance)).toBeLessThan(1e-9);
      expect(relative(actual.kurtosis, expected.kurtosis)).toBeLessThan(1e-8);
    });

    test("a chunk far wider than the first one (its scale would overflow) is redone with its own scale", () => {
      const values = layer(0, 4096, 5);
      for (let i = 3000; i < 3100; i++) values[i] = (i % 2 ? 1 : -1) * 1e9 * (1 + i / 1e4); // 2^35 × the first chunk's spread
      const expected = layerStats(values, 0);
      const actual = kernelStats(k, values, 1000);
      expect(relative(actual.variance, expected.variance)).toBeLessThan(1e-6);
      expect(relative(actual.kurtosis, expected.kurtosis)).toBeLessThan(1e-6);
      expect(actual.max).toBe(expected.max);
    });

    test("chunks far narrower than the first one keep their share of the moments", () => {
      const values = layer(0, 4096, 6);
      for (let i = 1000; i < 4096; i++) values[i]! *= 1e-12;
      const expected = layerStats(values, 0);
      const actual = kernelStats(k, values, 1000);
      expect(relative(actual.variance, expected.variance)).toBeLessThan(1e-6);
      expect(relative(actual.kurtosis, expected.kurtosis)).toBeLessThan(1e-6);
    });

    test("a constant layer has zero spread", () => {
      const stats = kernelStats(k, new Float32Array(1000).fill(0.25));
      expect(stats).toMatchObject({ mean: 0.25, variance: 0, kurtosis: 0, min: 0.25, max: 0.25 });
    });

    test("NaN or ±Inf anywhere makes the statistics throw", () => {
      for (const bad of [Number.NaN, Infinity, -Infinity]) {
        for (const at of [0, 37, 999]) {
          const values = layer(0, 1000, 3);
          values[at] = bad;
          expect(() => kernelStats(k, values, 128)).toThrow(MotherError);
        }
      }
    });

    test("refuses a shift that the f32 kernel could not use exactly", () => {
      k.reset();
      const accumulator = k.powerSumAccumulator();
      expect(() => k.addPowerSums(0, 0, 0.1, accumulator)).toThrow(RangeError);
    });
  });

  describe("pairwise absolute differences", () => {
    test("match absoluteDifference for every pair, across run boundaries and chunkings", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 2, max: 6 }),
          fc.integer({ min: 1, max: 1200 }),
          fc.integer({ min: 1, max: 700 }),
          fc.integer(),
          (models, count, chunk, seed) => {
            const base = layer(0, count, seed);
            const arrays = Array.from({ length: models }, (_, m) => {
              const noise = makeGaussian(count, seed + 1 + m);
              return base.map((x, i) => x + (m + 1) * 1e-3 * noise[i]!);
            });
            k.reset();
            const buffers = arrays.map(() => k.allocate(chunk * 4));
            const accumulator = k.pairwiseAccumulator(buffers);
            for (let first = 0; first < count; first += chunk) {
              const size = Math.min(chunk, count - first);
              arrays.forEach((a, m) => k.f32(buffers[m]!, size).set(a.subarray(first, first + size)));
              k.addPairwise(accumulator, size);
            }
            const { max, sum } = k.readPairwise(accumulator);
            // Read with the means formed in the same pass: the same max, and sum / count to the bit.
            const both = k.readPairMeans(accumulator, count);
            expect(both.max).toEqual(max);
            expect(both.mean).toEqual(sum.map((total) => total / count));
            for (let i = 0; i < models; i++) {
              expect(max[i * models + i]).toBe(0);
              for (let j = 0; j < models; j++) {
                if (i === j) continue;
                const expected = absoluteDifference(arrays[i]!, arrays[j]!);
                expect(relative(max[i * models + j]!, expected.max)).toBeLessThan(1e-7);
                expect(relative(sum[i * models + j]! / count, expected.mean)).toBeLessThan(1e-6);
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

describe.if(native.backend === "native")("native pairwise |Δ| past the last whole run", () => {
  test("folds each value into each pair in order, in f64 (max(d, most), total + d with d = |f32(a − b)|), to the bit, for any model count", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 23 }),
        fc.integer({ min: 1, max: 511 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (models, chunk, chunks, seed) => {
          const count = chunk * chunks;
          const arrays = Array.from({ length: models }, (_, m) => {
            const noise = makeGaussian(count, seed + 1 + m);
            // Some values equal across models, and magnitudes apart.
            return Float32Array.from(layer(0, count, seed), (x, i) => (i % 17 === m % 3 ? x : x * (1 + (m % 5)) + 1e-3 * noise[i]!));
          });
          native.reset();
          const buffers = arrays.map(() => native.allocate(chunk * 4));
          const accumulator = native.pairwiseAccumulator(buffers);
          // Every chunk is shorter than a run (512 values): all of it is the tail.
          for (let first = 0; first < count; first += chunk) {
            arrays.forEach((a, m) => native.f32(buffers[m]!, chunk).set(a.subarray(first, first + chunk)));
            native.addPairwise(accumulator, chunk);
          }
          const { max, sum } = native.readPairwise(accumulator);
          for (let i = 0; i < models; i++) {
            for (let j = i + 1; j < models; j++) {
              let [most, total] = [0, 0];
              for (let e = 0; e < count; e++) {
                const d = Math.abs(Math.fround(arrays[i]![e]! - arrays[j]![e]!));
                // biome-ignore lint/complexity/useMathMinMax: the kernel's comparison, which keeps `most` on NaN where Math.max would not
                most = d > most ? d : most;
                total += d;
              }
              expect([max[i * models + j], sum[i * models + j], max[j * models + i], sum[j * models + i]]).toEqual([most, total, most, total]);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe.each(sweepKernels)("%s streamed sketches", (_, k) => {
  test("equal the TypeScript sketch, whole and sketched layers alike, for any row blocking", () => {
    for (const [rows, cols, size, block] of [
      [300, 200, 40, 7],
      [64, 48, 160, 5],
      [257, 129, 32, 64],
    ] as const) {
      const sketcher = makeSketcher(rows, cols, size);
      const weights = Float32Array.from(makeGaussian(rows * cols, rows + cols));
      const expected = sketcher.sketch(weights, "BF16", 0.5);
      k.reset();
      const buffer = k.allocate(block * cols * 4);
      const [stream] = sketcher.streamInKernels(k, 1);
      for (let first = 0; first < rows; first += block) {
        const count = Math.min(block, rows - first);
        k.f32(buffer, count * cols).set(weights.subarray(first * cols, (first + count) * cols));
        stream!.addRows(buffer, first, count);
      }
      const actual = stream!.finish("BF16", 0.5);
      expect([actual.rows, actual.cols, actual.noiseGain, actual.roundingScale]).toEqual([
        expected.rows,
        expected.cols,
        expected.noiseGain,
        expected.roundingScale,
      ]);
      let worst = 0;
      const scale = Math.max(...expected.data.map(Math.abs));
      for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
      expect(worst / scale).toBeLessThan(1e-12);
    }
  });
});

describe.each(sweepKernels)("%s bidiagonalize", (_, k) => {
  test("gives the TypeScript bidiagonalisation's singular values, for square, tall and rank-deficient matrices", () => {
    for (const [rows, cols, rank] of [
      [7, 7, 7],
      [168, 160, 160],
      [50, 9, 3],
      [33, 32, 0],
    ] as const) {
      const left = makeGaussian(rows * Math.max(rank, 1), rows);
      const right = makeGaussian(Math.max(rank, 1) * cols, cols);
      const matrix = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) for (let t = 0; t < rank; t++) matrix[r * cols + c]! += left[r * rank + t]! * right[t * cols + c]!;
      const expected = bidiagonalSingularValues(bidiagonalize(matrix.slice(), rows, cols));
      const actual = bidiagonalSingularValues(k.bidiagonalize(matrix, rows, cols));
      const scale = Math.max(expected[0]!, 1e-300);
      for (let i = 0; i < cols; i++) expect(Math.abs(actual[i]! - expected[i]!) / scale).toBeLessThan(1e-12);
      expect(countSingularValuesAbove(k.bidiagonalize(matrix, rows, cols), 1e-9 * scale)).toBe(rank);
    }
  });

  test("refuses a wide matrix, as the TypeScript one does", () => {
    expect(() => k.bidiagonalize(new Float64Array(6), 2, 3)).toThrow(RangeError);
  });
});

describe.each(sweepKernels)("%s widening", (_, k) => {
  describe("widen", () => {
    test("f16 → f32 is exact for all 65,536 bit patterns (subnormals, ±0, ±Inf, NaN), at any length", () => {
      const table = f16ToF32Table();
      for (const count of [65536, 7, 13]) {
        k.reset();
        const source = k.allocate(count * 2);
        const target = k.allocate(count * 4);
        const bits = Uint16Array.from({ length: count }, (_, i) => (count === 65536 ? i : (i * 40503) & 0xffff));
        new Uint16Array(k.bytes(source, count * 2).buffer, source, count).set(bits);
        k.widen(source, target, count, "F16");
        const out = k.f32(target, count);
        for (let i = 0; i < count; i++) {
          const expected = table[bits[i]!]!;
          if (Number.isNaN(expected)) expect(Number.isNaN(out[i]!)).toBe(true);
          else if (!Object.is(out[i], expected)) expect([bits[i], out[i]]).toEqual([bits[i], expected]);
        }
      }
    });

    test("bf16 → f32 is the decoder's for every bit pattern", () => {
      const count = 65536;
      k.reset();
      const source = k.allocate(count * 2);
      const target = k.allocate(count * 4);
      const raw = Uint16Array.from({ length: count }, (_, i) => i);
      new Uint16Array(k.bytes(source, count * 2).buffer, source, count).set(raw);
      k.widen(source, target, count, "BF16");
      const expected = decodeTensorBytes(new Uint8Array(raw.buffer), "BF16").values;
      expect(new Uint32Array(k.f32(target, count).slice().buffer)).toEqual(new Uint32Array(Float32Array.from(expected).buffer));
    });
  });
});

describe.each(sweepKernels)("%s power-sum accumulators in one region", (_, k) => {
  test("lie where as many single ones would, and read back each model's sums as readPowerSums does", () => {
    k.reset();
    const singles = [0, 1, 2].map(() => k.powerSumAccumulator());
    const emptyBytes = Uint8Array.from(k.bytes(singles[0]!, 3 * 48));
    k.reset();
    const region = k.powerSumAccumulators(3);
    expect([0, 1, 2].map((m) => region + 48 * m)).toEqual(singles);
    expect(Uint8Array.from(k.bytes(region, 3 * 48))).toEqual(emptyBytes);
    const values = [layer(0, 300, 1), layer(0, 500, 2), layer(5, 70, 3)];
    const shifts = values.map((v) => Math.fround(powerSumShift(v)));
    const at = values.map((v) => place(k, v));
    values.forEach((v, m) => k.addPowerSums(at[m]!, v.length, shifts[m]!, region + 48 * m));
    expect(k.readEachPowerSums(region, 3, (m) => shifts[m]!)).toEqual(values.map((_, m) => k.readPowerSums(region + 48 * m, shifts[m]!)));
  });
});

describe("kernel memory", () => {
  test("grows on demand, keeps data across growth, and hands out aligned regions", () => {
    kernels.reset();
    const small = kernels.allocate(10);
    kernels.f32(small, 2).set([1.5, -2]);
    const big = kernels.allocate(64 * 1024 * 1024);
    expect(small % 16).toBe(0);
    expect(big % 16).toBe(0);
    expect(big).toBeGreaterThanOrEqual(16);
    expect([...kernels.f32(small, 2)]).toEqual([1.5, -2]);
    kernels.f32(big, 16 * 1024 * 1024).fill(1);
    kernels.reset();
    expect(kernels.allocate(4)).toBe(0);
  });

  test("an f64 copy holds the values at its pointer and stays when the memory is reused", () => {
    kernels.reset();
    const at = kernels.allocate(5 * 8);
    kernels.f64(at, 5).set([1, -0, Number.NaN, 5e-324, -Infinity]);
    const copy = kernels.f64Copy(at, 5);
    kernels.f64(at, 5).fill(7);
    expect([...copy]).toEqual([1, -0, Number.NaN, 5e-324, -Infinity]);
    expect(Object.is(copy[1], -0)).toBe(true);
    expect(copy.buffer).not.toBe(kernels.f64(at, 5).buffer);
  });
});

describe.if(native.backend === "native")("native kernels on memory they were not given", () => {
  test("refuse with a RangeError instead of reading or writing past the allocation", () => {
    native.reset();
    const values = native.allocate(64 * 4);
    const accumulator = native.powerSumAccumulator();
    expect(() => native.addPowerSums(values, 1 << 20, 0, accumulator)).toThrow(RangeError);
    expect(() => native.widen(values, values, 1 << 20, "BF16")).toThrow(RangeError);
    const pairs = native.pairwiseAccumulator([values, values]);
    expect(() => native.addPairwise(pairs, 1 << 20)).toThrow(RangeError);
    expect(() => native.addPairwise(pairs, 64)).not.toThrow();
  });
});

describe.if(native.backend === "native")("native power sums of 16-bit weights", () => {
  test("equal those of the widened f32 values, bit for bit, at any length and chunking (NaN/Inf included)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("BF16" as const, "F16" as const),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer(),
        fc.boolean(),
        (dtype, count, chunk, seed, poison) => {
          const noise = makeGaussian(count, seed);
          const bits = Uint16Array.from(noise, (x) => (dtype === "BF16" ? 0x3c00 : 0x2000) + (Math.round(Math.abs(x) * 4000) % 0x1000) + (x < 0 ? 0x8000 : 0));
          if (poison) bits[count >> 1] = dtype === "BF16" ? 0x7f80 : 0x7c00; // +Inf
          native.reset();
          const raw = native.allocate(count * 2);
          const wide = native.allocate(count * 4);
          new Uint16Array(native.bytes(raw, count * 2).buffer, raw, count).set(bits);
          native.widen(raw, wide, count, dtype);
          const shift = Math.fround(powerSumShift(native.f32(wide, Math.min(count, 64))));
          const [fromRaw, fromWide] = [native.powerSumAccumulator(), native.powerSumAccumulator()];
          let [rawScale, wideScale] = [0, 0];
          for (let first = 0; first < count; first += chunk) {
            const size = Math.min(chunk, count - first);
            rawScale = native.addPowerSums(raw + first * 2, size, shift, fromRaw, rawScale, dtype);
            wideScale = native.addPowerSums(wide + first * 4, size, shift, fromWide, wideScale);
          }
          expect(native.readPowerSums(fromRaw, shift)).toEqual(native.readPowerSums(fromWide, shift));
        },
      ),
      { numRuns: 80 },
    );
  });
});

test("the WebAssembly kernels refuse 16-bit weights for the power sums instead of misreading them", () => {
  kernels.reset();
  const values = kernels.allocate(64);
  expect(() => kernels.addPowerSums(values, 16, 0, kernels.powerSumAccumulator(), 0, "BF16")).toThrow(RangeError);
});
