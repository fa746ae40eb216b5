import { describe, expect, test } from "bun:test";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { kernelBinary } from "../../src/kernels/build-kernels.ts";
import { nativeLibrary } from "../../src/kernels/build-native.ts";
import { loadNativeKernels, WASM_ONLY } from "../../src/kernels/native-kernels.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("kernelBinary", () => {
  test("compiles the kernels into an empty cache folder, then serves the cached binary", async () => {
    const folder = temporaryFolder("mother-kernels-");
    const built = await kernelBinary(folder);
    expect(built.path.startsWith(folder)).toBe(true);
    expect(built.path).toMatch(/weight-kernels-[0-9a-f]{16}\.wasm$/);
    // A real module with the kernels recovery calls.
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(new Uint8Array(built.bytes))).map((e) => e.name);
    expect(exports).toEqual(
      expect.arrayContaining(["addPowerSums", "addPairwiseAbsoluteDifferences", "sketchRows", "sketchColumns", "bidiagonalize", "widenBf16", "widenF16"]),
    );
    const modified = (await stat(built.path)).mtimeMs;
    const again = await kernelBinary(folder);
    expect(again.path).toBe(built.path);
    expect(again.bytes).toEqual(built.bytes);
    expect((await stat(again.path)).mtimeMs).toBe(modified); // read, not rebuilt
    expect((await readdir(folder)).filter((f) => f.includes(".tmp"))).toEqual([]); // nothing half-written left
  }, 60_000);
});

describe("nativeLibrary", () => {
  /** Whether this machine can build the native kernels: a C compiler on x86-64 (any CPU: the flags name the instruction set). */
  async function canBuildHere(): Promise<boolean> {
    return process.arch === "x64" && Bun.which(process.env.CC || "cc") !== null;
  }

  test("builds where the machine can, into an empty cache folder, then serves the cached library", async () => {
    const folder = temporaryFolder("mother-native-");
    const built = await nativeLibrary(folder);
    if (!(await canBuildHere())) {
      expect(built).toHaveProperty("unavailable");
      return;
    }
    if (!("path" in built)) throw new Error(`native kernels did not build on a machine that can: ${built.unavailable}`);
    expect(built.path).toMatch(/weight-kernels-[0-9a-f]{16}\.so$/);
    const modified = (await stat(built.path)).mtimeMs;
    expect(await nativeLibrary(folder)).toEqual(built);
    expect((await stat(built.path)).mtimeMs).toBe(modified); // served, not rebuilt
    expect((await readdir(folder)).filter((f) => f.includes(".tmp"))).toEqual([]);
  }, 60_000);

  test("a fresh build removes the builds of older sources (and their failure reasons), nothing else", async () => {
    const folder = temporaryFolder("mother-native-");
    const stale = ["weight-kernels-0000000000000000.so", "weight-kernels-1111111111111111.so.unavailable", "weight-kernels-2222222222222222.wasm"];
    for (const name of [...stale, "notes.txt"]) await writeFile(join(folder, name), "old");
    const built = await nativeLibrary(folder);
    const binary = await kernelBinary(folder);
    const left = await readdir(folder);
    expect(left).toEqual(expect.arrayContaining(["notes.txt", basename(binary.path)]));
    expect(left).not.toContain(stale[2]);
    // Where the machine cannot build native kernels there is no fresh library to prune for.
    if ("path" in built) {
      expect(left).toContain(basename(built.path));
      expect(left.filter((name) => stale.includes(name))).toEqual([]);
    }
  }, 60_000);

  test("two builds at once in one process (two workers share a pid) both get the whole library", async () => {
    const folder = temporaryFolder("mother-native-");
    const [first, second, binary, binaryAgain] = await Promise.all([nativeLibrary(folder), nativeLibrary(folder), kernelBinary(folder), kernelBinary(folder)]);
    expect(second).toEqual(first);
    expect(binaryAgain.path).toBe(binary.path);
    expect((await readdir(folder)).filter((f) => f.includes(".tmp"))).toEqual([]);
  }, 60_000);
  // What a failed build keeps (and what it retries) is test/kernels/build-native.test.ts's.
});

/** Whether this CPU can run the native kernels, from its flags in /proc/cpuinfo (Linux; read with node:fs, since Bun.file sees a 0-byte file there). */
async function cpuRunsNativeKernels(): Promise<boolean | undefined> {
  if (process.arch !== "x64") return undefined;
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => undefined);
  const flags = cpuinfo?.match(/^flags\s*:(.*)$/m)?.[1]?.split(" ");
  return flags === undefined ? undefined : ["avx2", "fma", "f16c"].every((flag) => flags.includes(flag));
}

describe("loadNativeKernels", () => {
  test("uses the native kernels exactly where the CPU has AVX2, FMA and F16C, and says why not elsewhere", async () => {
    const folder = temporaryFolder("mother-native-");
    const built = await nativeLibrary(folder);
    // The loader itself, whatever MOTHER_KERNELS the suite runs under (its own test is below).
    const choice = await loadNativeKernels(folder, {});
    if (!("path" in built)) {
      expect(choice).toEqual({ reason: built.unavailable });
      return;
    }
    const runs = await cpuRunsNativeKernels();
    if (runs === undefined) return; // no /proc/cpuinfo to check the library's own answer against
    if (runs) expect(choice.native).toBeDefined();
    else expect(choice).toEqual({ reason: "this CPU lacks AVX2, FMA or F16C" });
  }, 60_000);

  test("a library that will not load is a reason to use the WebAssembly kernels, not a failure", async () => {
    const folder = temporaryFolder("mother-native-");
    const built = await nativeLibrary(folder);
    if (!("path" in built)) {
      expect(await loadNativeKernels(folder, {})).toEqual({ reason: built.unavailable });
      return;
    }
    // Replaced before it is ever opened: rewriting a loaded library in place would fault the process.
    await writeFile(built.path, "not a shared library");
    const choice = await loadNativeKernels(folder, {});
    expect(choice.native).toBeUndefined();
    expect(choice).toEqual({ reason: expect.stringContaining("would not load") });
  }, 60_000);

  test("MOTHER_KERNELS=wasm is the reason, before any build: an empty cache folder stays empty", async () => {
    const folder = temporaryFolder("mother-native-");
    expect(await loadNativeKernels(folder, { MOTHER_KERNELS: "wasm" })).toEqual({ reason: WASM_ONLY });
    expect(await readdir(folder)).toEqual([]);
  });
});
