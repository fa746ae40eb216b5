/**
 * The native library built without block-moments-wide.c's AVX-512 path — as a compiler older than
 * GCC 8 / clang 7 builds it (no avx512vnni target), or forced by -DMOTHER_NO_WIDE_KERNELS: it still
 * compiles under the library's flags (-Wall -Werror), never turns the wide path on, and gives the
 * same bits as the library in use (the wide path where this CPU has it). GCC's version is mimicked
 * by redefining __GNUC__, which is what the guard reads.
 */
import { describe, expect, test } from "bun:test";
import { dlopen, FFIType, ptr } from "bun:ffi";
import { join } from "node:path";
import { NATIVE_FLAGS } from "../../src/kernels/build-native.ts";
import { loadWeightKernels } from "../../src/kernels/weight-kernels.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const folder = temporaryFolder("mother-narrow-");
const compiler = process.env.CC || "cc";
const source = join(import.meta.dir, "../../src/kernels/native/weight-kernels.c");

/** weight-kernels.c (its translation unit holds the power sums) built with `defines` added, or undefined when there is no compiler here. */
function buildWith(name: string, defines: string[]): string | undefined {
  const output = join(folder, `${name}.so`);
  try {
    const built = Bun.spawnSync([compiler, ...NATIVE_FLAGS, ...defines, "-o", output, source], { stderr: "pipe" });
    if (built.exitCode !== 0) throw new Error(`${compiler} ${defines.join(" ")}: ${built.stderr.toString()}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return output;
}

/** Whether the compiler is GCC (clang defines __GNUC__ 4 too, and its own guard reads __clang_major__). */
function compilerIsGcc(): boolean {
  try {
    const macros = Bun.spawnSync([compiler, "-dM", "-E", "-x", "c", "/dev/null"]).stdout.toString();
    return macros.includes("#define __GNUC__") && !macros.includes("__clang__");
  } catch {
    return false;
  }
}

/** Random bytes from a seed (a linear congruential generator's top byte). */
function fillRandom(target: Uint8Array, seed: number): void {
  let state = seed >>> 0;
  for (let i = 0; i < target.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    target[i] = state >>> 24;
  }
}

/** `count` random blocks of `type` with finite f16 scales (bytes 0–1 and, for Q4_K, 2–3: 2^−10 · (1 + k/1024)). */
function randomBlocks(type: "Q8_0" | "Q4_K", count: number, seed: number): Uint8Array {
  const blockBytes = type === "Q8_0" ? 34 : 144;
  const bytes = new Uint8Array(count * blockBytes);
  fillRandom(bytes, seed);
  for (let at = 0; at < bytes.length; at += blockBytes) for (const s of type === "Q8_0" ? [0] : [0, 2]) bytes[at + s + 1] = 0x14;
  return bytes;
}

describe("the native library without the AVX-512 path (block-moments-wide.c's compiler guard)", () => {
  const builds: [string, string[]][] = [["forced off", ["-DMOTHER_NO_WIDE_KERNELS"]]];
  if (compilerIsGcc()) builds.push(["GCC 7's version", ["-U__GNUC__", "-D__GNUC__=7"]]);
  for (const [name, defines] of builds) {
    test(`${name} (${defines.join(" ")}): builds, never widens, and sums Q8_0 and Q4_K blocks to the library's bits`, async () => {
      const kernels = await loadWeightKernels();
      if (!kernels.sumsIntegers("Q8_0")) return expect(kernels.backend).toBe("wasm");
      const path = buildWith(name.replace(/\W+/g, "-"), defines);
      if (path === undefined) return;
      const narrow = dlopen(path, {
        mother_use_wide_kernels: { args: [FFIType.i32], returns: FFIType.i32 },
        mother_block_power_sums: { args: [FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.f64, FFIType.ptr], returns: FFIType.i32 },
      });
      try {
        expect(narrow.symbols.mother_use_wide_kernels(1)).toBe(0);
        kernels.useWideKernels(true);
        for (const [type, kind, values] of [
          ["Q8_0", 1, 32],
          ["Q4_K", 2, 256],
        ] as const) {
          for (let seed = 1; seed <= 40; seed++) {
            const count = 16 + ((seed * 7) % 50); // blocks: whole sixteens and fours of them, and left-overs
            const bytes = randomBlocks(type, count, seed);
            const shift = Math.fround((seed % 9) / 4 - 1);
            const sums = new Float64Array(6);
            sums.set([0, 0, 0, 0, Infinity, -Infinity]);
            expect(narrow.symbols.mother_block_power_sums(kind, ptr(bytes), count * values, shift, ptr(sums))).toBe(0);
            kernels.reset();
            const source = kernels.allocate(bytes.length);
            kernels.bytes(source, bytes.length).set(bytes);
            const accumulator = kernels.powerSumAccumulator();
            kernels.addBlockPowerSums(source, count * values, type, shift, accumulator);
            const expected = kernels.f64(accumulator, 6).slice();
            expect(new Uint8Array(sums.buffer)).toEqual(new Uint8Array(expected.buffer));
          }
        }
      } finally {
        narrow.close();
      }
      // Two C builds (the library in use when its cache is cold, then this one): 4.6–4.9 s at load 2–3, past bun's 5 s default.
    }, 60_000);
  }
});
