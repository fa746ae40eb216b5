import { describe, expect, test } from "bun:test";
import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kernelBinary } from "../../src/kernels/build-kernels.ts";

describe("kernelBinary", () => {
  test("compiles the kernels into an empty cache folder, then serves the cached binary", async () => {
    const folder = await mkdtemp(join(tmpdir(), "mother-kernels-"));
    const built = await kernelBinary(folder);
    expect(built.path.startsWith(folder)).toBe(true);
    expect(built.path).toMatch(/weight-kernels-[0-9a-f]{16}\.wasm$/);
    // A real module with the kernels recovery calls.
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(new Uint8Array(built.bytes))).map((e) => e.name);
    expect(exports).toEqual(expect.arrayContaining(["addPowerSums", "addPairwiseAbsoluteDifferences", "sketchRows", "sketchColumns", "bidiagonalize", "widenBf16", "widenF16"]));
    const modified = (await stat(built.path)).mtimeMs;
    const again = await kernelBinary(folder);
    expect(again.path).toBe(built.path);
    expect(again.bytes).toEqual(built.bytes);
    expect((await stat(again.path)).mtimeMs).toBe(modified); // read, not rebuilt
    expect((await readdir(folder)).filter((f) => f.endsWith(".tmp"))).toEqual([]); // nothing half-written left
  }, 60_000);
});
