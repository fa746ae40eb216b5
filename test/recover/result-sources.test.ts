import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { TREE_ROOTS } from "../../src/index/tree-cache.ts";
import { resultSources } from "../../src/recover/result-sources.ts";

describe("resultSources", () => {
  test("follows the layer pass's imports into every reader and kernel on the read path, and leaves out messages", async () => {
    const sources = await resultSources();
    for (const source of [
      "recover/layer-pass.ts",
      "recover/low-rank-sketch.ts",
      "stats/layer-stats.ts",
      "distance/elementwise-distance.ts",
      "io/dtype.ts",
      "io/read-safetensors.ts",
      "io/gguf/dequantize.ts",
      "io/gguf/gguf-names.ts",
      "kernels/weight-kernels.ts",
      "kernels/assembly/weight-kernels.ts",
      "kernels/native/weight-kernels.c",
      "kernels/native/tree-kernels.c",
    ]) {
      expect(sources).toContain(source);
    }
    expect(sources).not.toContain("messages.ts");
    expect(sources.some((source) => source.startsWith("messages/"))).toBe(false);
    expect(sources).not.toContain("errors.ts");
    expect(sources).not.toContain("cli/main.ts");
    expect(sources.every((source) => existsSync(join(import.meta.dir, "../../src", source)))).toBe(true);
    expect([...sources].sort()).toEqual(sources);
  });

  test("every C file of the native library is among them (a file the build includes changes results as its sources do)", async () => {
    const sources = await resultSources();
    const native = readdirSync(join(import.meta.dir, "../../src/kernels/native")).filter((name) => name.endsWith(".c"));
    expect(native.length).toBeGreaterThan(0);
    for (const name of native) expect(sources).toContain(`kernels/native/${name}`);
  });

  test("a tree's sources: what recoverModels runs (worker entries included), not the CLI, the index's bookkeeping or any message", async () => {
    const sources = await resultSources(TREE_ROOTS);
    for (const source of [
      "index/recover-tree-job.ts",
      "recover/recover.ts",
      "recover/layer-pass.ts",
      "recover/pool-worker.ts",
      "recover/detect-merges.ts",
      "direction/orient-tree.ts",
      "io/gguf/dequantize.ts",
      "io/peft/attach-adapters.ts",
      "kernels/native/weight-kernels.c",
    ]) {
      expect(sources).toContain(source);
    }
    for (const source of ["cli/main.ts", "messages.ts", "messages/recovery.ts", "index/build-index.ts", "index/tree-cache.ts", "index/recover-at-scale.ts"]) {
      expect(sources).not.toContain(source);
    }
    expect(sources.every((source) => existsSync(join(import.meta.dir, "../../src", source)))).toBe(true);
    // The layer pass's own sources are among them: a tree's result is built from its layers'.
    expect((await resultSources()).every((source) => sources.includes(source))).toBe(true);
  });
});
