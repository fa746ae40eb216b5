import { describe, expect, test } from "bun:test";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { readSafetensorsHeader, readTensor } from "../../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import { writeDerivedCopy } from "../../../src/harness/derived/write-derived-copy.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

async function sourceModel() {
  const dir = temporaryFolder("mother-derived-copy-");
  const folder = join(dir, "src-model");
  const matrix = new Float32Array(12).map((_, i) => (i - 5.5) / 4);
  await writeSafetensors(
    join(folder, "model.safetensors"),
    [
      { name: "encoder.layer.0.attention.query.weight", dtype: "F32", shape: [3, 4], data: matrix },
      { name: "encoder.layer.0.attention.query.bias", dtype: "BF16", shape: [3], data: new Float32Array([0.5, -0.25, 1]) },
    ],
    { format: "pt" },
  );
  await Bun.write(join(folder, "config.json"), '{"model_type":"vit"}');
  const [model] = await discoverModels([folder]);
  return { dir, model: model!, matrix };
}

describe("writeDerivedCopy", () => {
  test("writes every tensor under its own name: matrices transformed, others as they were, config copied", async () => {
    const { dir, model, matrix } = await sourceModel();
    const out = join(dir, "src-model.prune30");
    expect(await writeDerivedCopy(model, "prune30", out)).toBe(true);
    const header = await readSafetensorsHeader(join(out, "model.safetensors"));
    expect(header.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ["encoder.layer.0.attention.query.bias", "BF16", [3]],
      ["encoder.layer.0.attention.query.weight", "F32", [3, 4]],
    ]);
    expect(header.metadata).toEqual({ format: "pt", derived_from: "src-model", derived_kind: "prune30" });
    const weight = await readTensor(header.tensors[1]!);
    // 4 of 12 (round(3.6)) smallest |w| zeroed: ±0.125 and ±0.375.
    expect(Array.from(weight)).toEqual(Array.from(matrix, (v) => (Math.abs(v) < 0.4 ? 0 : v)));
    expect(Array.from(await readTensor(header.tensors[0]!))).toEqual([0.5, -0.25, 1]);
    expect(await readFile(join(out, "config.json"), "utf8")).toBe('{"model_type":"vit"}');
  });

  test("fp16 stores the matrices as F16; a second call reuses the copy without rewriting it", async () => {
    const { dir, model } = await sourceModel();
    const out = join(dir, "src-model.fp16");
    expect(await writeDerivedCopy(model, "fp16", out)).toBe(true);
    const written = (await stat(join(out, "model.safetensors"))).mtimeMs;
    expect((await readSafetensorsHeader(join(out, "model.safetensors"))).tensors.map((t) => t.dtype)).toEqual(["BF16", "F16"]);
    expect(await writeDerivedCopy(model, "fp16", out)).toBe(false);
    expect((await stat(join(out, "model.safetensors"))).mtimeMs).toBe(written);
  });
});
