import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { writePeftAdapter } from "../../src/io/peft/write-peft-adapter.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { adapterForbidden, placeAdapters } from "../../src/recover/adapter-edges.ts";
import { recover } from "../../src/recover/recover.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import type { ModelSource } from "../../src/types.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-adapters-");

const model = (id: string, base?: string): ModelSource => ({ id, path: id, tensors: [], ...(base ? { base } : {}) });

describe("adapter edges", () => {
  test("every edge into an adapter but its base's is forbidden, and the adapter → base edge", () => {
    const forbidden = adapterForbidden([model("b"), model("f"), model("a", "b")])!;
    // rows: parent, columns: child (3 × 3)
    expect([...forbidden]).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0]);
    expect(adapterForbidden([model("b"), model("f")])).toBeUndefined();
    expect(adapterForbidden([model("f"), model("a", "absent")])).toBeUndefined();
  });

  test("placeAdapters puts an adapter under its base, rerooting when the adapter was above it", () => {
    // a (adapter of b) is the root: a → x → b; a → y.
    const models = [model("a", "b"), model("x"), model("b"), model("y")];
    const parent = Int32Array.from([-1, 0, 1, 0]);
    expect(placeAdapters(parent, models)).toEqual([0]);
    expect([...parent]).toEqual([2, 2, -1, 0]);
    // Already right: unchanged.
    const right = Int32Array.from([2, 2, -1, 0]);
    placeAdapters(right, models);
    expect([...right]).toEqual([2, 2, -1, 0]);
    // Elsewhere, not above its base: moved under it.
    const elsewhere = Int32Array.from([1, 2, -1, 0]);
    placeAdapters(elsewhere, models);
    expect([...elsewhere]).toEqual([2, 2, -1, 0]);
  });
});

/** Rank-4 LoRA factors for the query and value matrices of both ViT blocks (32 × 32). */
function factors(seed: number) {
  const modules = [0, 1].flatMap((block) => ["query", "value"].map((p) => `vit.encoder.layer.${block}.attention.attention.${p}`));
  return modules.map((module, m) => ({
    module,
    a: Float32Array.from(makeGaussian(4 * 32, seed * 100 + m), (x) => x * 0.5),
    b: Float32Array.from(makeGaussian(32 * 4, seed * 100 + m + 50), (x) => x * 0.006),
    fanIn: 32,
    fanOut: 32,
  }));
}

describe("recover with PEFT adapter folders", () => {
  test("adapters under their bases (type adapter), a stacked one under its adapter, a merged adapter's fine-tune under it, an orphan's note", async () => {
    const set = join(dir, "set");
    await writeSyntheticTrees(set, [{ root: "base", children: 2, grandchildren: 0 }], { mode: "ft", seed: 5 });
    const a1 = factors(1);
    await writePeftAdapter(join(set, "lora-base"), { baseModel: "org/base", rank: 4, alpha: 8, modules: a1 });
    await writePeftAdapter(join(set, "lora-ft"), { baseModel: join(set, "base-c0"), rank: 4, alpha: 8, modules: factors(2) });
    await writePeftAdapter(join(set, "lora-orphan"), { baseModel: "org/absent", rank: 4, alpha: 8, modules: factors(3) });
    await writePeftAdapter(join(set, "lora-stack"), { baseModel: "lora-base", rank: 4, alpha: 8, modules: factors(4) });
    // A full fine-tune of lora-base merged into base: base + 2 · B · A on the adapted layers, plus dense noise.
    const baseTensors = await openSafetensorsFile(join(set, "base", "model.safetensors"));
    const merged = await Promise.all(
      baseTensors.map(async (tensor, t) => {
        const values = Float64Array.from(await readTensor(tensor));
        const module = a1.find((m) => `${m.module}.weight` === tensor.name);
        if (module)
          for (let o = 0; o < 32; o++)
            for (let i = 0; i < 32; i++) for (let k = 0; k < 4; k++) values[o * 32 + i]! += 2 * module.b[o * 4 + k]! * module.a[k * 32 + i]!;
        const noise = makeGaussian(values.length, 900 + t);
        return { name: tensor.name, dtype: "F32" as const, shape: tensor.shape, data: values.map((x, i) => x + 0.006 * noise[i]!) };
      }),
    );
    await writeSafetensors(join(set, "lora-base-ft", "model.safetensors"), merged);

    const lines: string[] = [];
    const { graph } = await recover([set], {}, { progress: () => {}, log: (line) => void lines.push(line) });
    const edges = graph.edges.map((e) => `${e.parent}>${e.child}:${e.type}`).sort();
    expect(edges).toEqual([
      "base-c0>lora-ft:adapter",
      "base>base-c0:finetune",
      "base>base-c1:finetune",
      "base>lora-base:adapter",
      "lora-base>lora-base-ft:finetune",
      "lora-base>lora-stack:adapter",
    ]);
    expect(graph.edges.find((e) => e.child === "lora-base")?.confidence).toBe(1);
    expect(graph.trees).toContainEqual(["lora-orphan"]);
    expect(graph.models.filter((m) => m.format === "peft").map((m) => m.id)).toEqual(["lora-base", "lora-ft", "lora-stack", "lora-orphan"]);
    expect(graph.edges.some((e) => e.child === "lora-orphan")).toBe(false);
    const note =
      "adapter lora-orphan: its base org/absent is not among the inputs; 4 model(s) have its shapes (base, base-c0, base-c1, lora-base-ft), " +
      "but an adapter's factors do not tell which of them, if any, it was trained on; no parent";
    expect(graph.notes).toEqual([note]);
    expect(lines).toContain(note);
  }, 60_000);
});

describe("an adapter whose config names no base", () => {
  test("gets no parent and a note naming the tree its update aligns with (its family), not a model", async () => {
    const set = join(dir, "families");
    await writeSyntheticTrees(
      set,
      [
        { root: "alpha", children: 2, grandchildren: 0 },
        { root: "beta", children: 2, grandchildren: 0 },
      ],
      { mode: "ft", seed: 9 },
    );
    // An update along beta-c1's dominant singular directions, as training through its layers leans.
    const tensors = await openSafetensorsFile(join(set, "beta-c1", "model.safetensors"));
    const modules = await Promise.all(
      tensors
        .filter((t) => t.name.includes(".query.") || t.name.includes(".value."))
        .map(async (tensor) => {
          const values = await readTensor(tensor);
          const svd = new SingularValueDecomposition(new Matrix(Array.from({ length: 32 }, (_, i) => Array.from(values.subarray(i * 32, (i + 1) * 32)))));
          return {
            module: tensor.name.slice(0, -".weight".length),
            a: Float32Array.from({ length: 4 * 32 }, (_, at) => svd.rightSingularVectors.get(at % 32, Math.floor(at / 32))),
            b: Float32Array.from({ length: 32 * 4 }, (_, at) => 0.01 * svd.leftSingularVectors.get(Math.floor(at / 4), at % 4)),
            fanIn: 32,
            fanOut: 32,
          };
        }),
    );
    await writePeftAdapter(join(set, "nameless"), { rank: 4, alpha: 4, modules });
    const { graph } = await recover([set]);
    expect(graph.edges.some((e) => e.child === "nameless")).toBe(false);
    expect(graph.trees).toContainEqual(["nameless"]);
    expect(graph.notes).toEqual([
      "adapter nameless: its config names no base model; its update's singular subspaces align with the tree rooted at beta, " +
        "so it was trained on beta or a descendant, but an adapter's weights do not tell which; no parent",
    ]);
  }, 60_000);
});
