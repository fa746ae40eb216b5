import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { attachAdapters } from "../../../src/io/peft/attach-adapters.ts";
import { readTensor } from "../../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import { factorUpdate, writePeftCopy } from "../../../src/harness/zoo/write-peft-copy.ts";
import { makeUniform } from "../../../src/recover/seeded-random.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-peft-copy-");

/** out × in row-major product of u [out, r] and v [r, in]. */
function product(u: ArrayLike<number>, v: ArrayLike<number>, out: number, r: number, inFeatures: number): Float64Array {
  const p = new Float64Array(out * inFeatures);
  for (let i = 0; i < out; i++)
    for (let k = 0; k < r; k++) for (let j = 0; j < inFeatures; j++) p[i * inFeatures + j]! += u[i * r + k]! * v[k * inFeatures + j]!;
  return p;
}

describe("factorUpdate", () => {
  test("a rank-2 update of a 6 × 5 weight comes back as (α/r)·B·A, for r = 2 and r = 3", () => {
    const delta = product(makeUniform(12, 1), makeUniform(10, 2), 6, 2, 5);
    const before = makeUniform(30, 3);
    const after = before.map((v, i) => v + delta[i]!);
    for (const rank of [2, 3]) {
      const { a, b, fanIn, fanOut } = factorUpdate(after, before, 6, 5, { rank, alpha: 2 * rank, targets: [] });
      expect([fanIn, fanOut, a.length, b.length]).toEqual([5, 6, rank * 5, 6 * rank]);
      const back = product(b, a, 6, rank, 5).map((v) => 2 * v);
      for (let i = 0; i < 30; i++) expect(back[i]!).toBeCloseTo(after[i]! - before[i]!, 5);
    }
  });
});

describe("writePeftCopy", () => {
  test("a LoRA child with a new head, published as an adapter folder, reads back as the child when attached to its parent", async () => {
    const query = "enc.layer.0.attention.query.weight";
    const parentTensors = [
      { name: query, dtype: "F32" as const, shape: [4, 4], data: makeUniform(16, 4) },
      { name: "enc.layer.0.mlp.weight", dtype: "F32" as const, shape: [4, 4], data: makeUniform(16, 5) },
      { name: "classifier.weight", dtype: "F32" as const, shape: [2, 4], data: makeUniform(8, 6) },
    ];
    const update = product(makeUniform(4, 7), makeUniform(4, 8), 4, 1, 4);
    const childTensors = [
      { ...parentTensors[0]!, data: Float32Array.from(parentTensors[0]!.data, (v, i) => v + update[i]!) },
      parentTensors[1]!,
      { name: "classifier.weight", dtype: "F32" as const, shape: [3, 4], data: makeUniform(12, 9) },
    ];
    await writeSafetensors(join(dir, "parent", "model.safetensors"), parentTensors);
    await writeSafetensors(join(dir, "child", "model.safetensors"), childTensors);
    const [parent] = await discoverModels([join(dir, "parent")]);
    const [child] = await discoverModels([join(dir, "child")]);
    const lora = { rank: 1, alpha: 2, targets: ["attention.query"] };
    expect(await writePeftCopy(child!, parent!, lora, "parent", join(dir, "adapter"))).toBe(true);
    expect(await writePeftCopy(child!, parent!, lora, "parent", join(dir, "adapter"))).toBe(false);
    const config = JSON.parse(await readFile(join(dir, "adapter", "adapter_config.json"), "utf8"));
    expect([config.base_model_name_or_path, config.r, config.lora_alpha, config.target_modules, config.modules_to_save]).toEqual([
      "parent",
      1,
      2,
      ["query"],
      ["classifier"],
    ]);
    const { models, unattached } = await attachAdapters(await discoverModels([join(dir, "parent"), join(dir, "adapter")]));
    expect(unattached).toEqual([]);
    const attached = models.find((m) => m.id === "adapter")!;
    expect(attached.base).toBe("parent");
    expect(attached.tensors.map((t) => t.name).sort()).toEqual(childTensors.map((t) => t.name).sort());
    for (const info of attached.tensors) {
      const expected = childTensors.find((t) => t.name === info.name)!;
      expect(info.shape).toEqual(expected.shape);
      const values = await readTensor(info);
      values.forEach((v, j) => expect(v).toBeCloseTo(expected.data[j]!, 5));
    }
  });
});
