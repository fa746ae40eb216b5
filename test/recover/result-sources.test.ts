import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
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
    ]) {
      expect(sources).toContain(source);
    }
    expect(sources).not.toContain("messages.ts");
    expect(sources).not.toContain("errors.ts");
    expect(sources).not.toContain("cli/main.ts");
    expect(sources.every((source) => existsSync(join(import.meta.dir, "../../src", source)))).toBe(true);
    expect([...sources].sort()).toEqual(sources);
  });
});
