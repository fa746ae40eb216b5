import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Dtype } from "../../src/types.ts";
import { recover } from "../../src/recover/recover.ts";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-twins-");

/** Writes model `id` of `folder` again as `copyId`, every tensor stored as `dtype` (optionally nudged). */
async function resave(folder: string, id: string, copyId: string, dtype: Dtype, nudge = 0): Promise<void> {
  const tensors = await openSafetensorsFile(join(folder, id, "model.safetensors"));
  await mkdir(join(folder, copyId));
  await writeSafetensors(
    join(folder, copyId, "model.safetensors"),
    await Promise.all(
      tensors.map(async (t) => ({ name: t.name, dtype, shape: t.shape, data: (await readTensor(t)).map((x, i) => x + (i === 0 ? nudge : 0)) })),
    ),
  );
}

describe("storage twins", () => {
  test("f16 and bf16 re-saves hang under their source, and the rest of the tree is as without them", async () => {
    const folder = join(dir, "resaved");
    const truth = await writeSyntheticTrees(folder, [{ root: "r", children: 3, grandchildren: 2 }], { mode: "ft", seed: 31 });
    const without = await recover([folder], { trees: 1 });
    await resave(folder, "r", "r-f16", "F16");
    await resave(folder, "r-c1", "r-c1-bf16", "BF16");
    await resave(folder, "r-c1-g0", "r-c1-g0-f16", "F16");
    const logs: string[] = [];
    const result = await recover([folder], { trees: 1 }, { progress: () => {}, log: (line) => void logs.push(line) });
    const parentOf = new Map(result.graph.edges.map((e) => [e.child, e]));
    expect(parentOf.get("r-f16")).toMatchObject({ parent: "r", type: "quantized", confidence: 1 });
    expect(parentOf.get("r-c1-bf16")).toMatchObject({ parent: "r-c1", type: "quantized", confidence: 1 });
    expect(parentOf.get("r-c1-g0-f16")).toMatchObject({ parent: "r-c1-g0", type: "quantized", confidence: 1 });
    const originals = result.graph.edges.filter((e) => !/-(f16|bf16)$/.test(e.child));
    expect(originals.every((e) => e.type === "finetune")).toBe(true);
    // Same parents (distances move a hair: the copies take part in each layer's min-max range).
    const pairs = (edges: readonly { parent: string; child: string }[]) => edges.map((e) => `${e.parent}→${e.child}`).sort();
    expect(pairs(originals)).toEqual(pairs(without.graph.edges));
    expect(evaluateGraph({ ...result.graph, edges: originals }, truth).edges.accuracy).toBe(evaluateGraph(without.graph, truth).edges.accuracy);
    expect(logs.some((line) => line.startsWith("3 model(s) are storage copies of another"))).toBe(true);
  });

  test("a light fine-tune stored in its parent's dtype is a model of its own, however small the change", async () => {
    const folder = join(dir, "light");
    await writeSyntheticTrees(folder, [{ root: "l", children: 2, grandchildren: 0 }], { mode: "ft", seed: 34, dtype: "BF16" });
    const tensors = await openSafetensorsFile(join(folder, "l", "model.safetensors"));
    await mkdir(join(folder, "l-light"));
    // One bf16 ulp up on every 50th of the smaller weights: within half an ulp of the layer's
    // largest weight everywhere (what a re-save could do), yet a change in the same dtype.
    const nudged = async (t: (typeof tensors)[number]) => {
      const data = await readTensor(t);
      let largest = 0;
      for (const x of data) largest = Math.max(largest, Math.abs(x));
      return {
        name: t.name,
        dtype: "BF16" as const,
        shape: t.shape,
        data: data.map((x, i) => (i % 50 === 0 && Math.abs(x) < 0.4 * largest ? x * (1 + 2 ** -7) : x)),
      };
    };
    await writeSafetensors(join(folder, "l-light", "model.safetensors"), await Promise.all(tensors.map(nudged)));
    const logs: string[] = [];
    const result = await recover([folder], { trees: 1 }, { progress: () => {}, log: (line) => void logs.push(line) });
    expect(result.graph.edges.some((e) => e.child === "l-light" || e.parent === "l-light")).toBe(true);
    expect(logs.some((line) => line.includes("storage copies"))).toBe(false);
  });

  test("int8 and 16-level quantised copies (dequantised, stored as f32) hang under the model they round", async () => {
    const folder = join(dir, "quantised");
    await writeSyntheticTrees(folder, [{ root: "q", children: 3, grandchildren: 1 }], { mode: "ft", seed: 35 });
    const quantise = async (id: string, copyId: string, levels: 16 | 255) => {
      const tensors = await openSafetensorsFile(join(folder, id, "model.safetensors"));
      await mkdir(join(folder, copyId));
      const rows = await Promise.all(
        tensors.map(async (t) => {
          const data = Float32Array.from(await readTensor(t));
          if (t.shape.length === 2) {
            const cols = t.shape[1]!;
            for (let r = 0; r < t.shape[0]!; r++) {
              const row = data.subarray(r * cols, (r + 1) * cols);
              let [min, max, largest] = [Infinity, -Infinity, 0];
              for (const x of row) [min, max, largest] = [Math.min(min, x), Math.max(max, x), Math.max(largest, Math.abs(x))];
              const [offset, step] = levels === 255 ? [0, largest / 127] : [min, (max - min) / 15];
              for (let c = 0; c < cols; c++) row[c] = offset + Math.round((row[c]! - offset) / step) * step;
            }
          }
          return { name: t.name, dtype: "F32" as const, shape: t.shape, data };
        }),
      );
      await writeSafetensors(join(folder, copyId, "model.safetensors"), rows);
    };
    await quantise("q-c0", "q-c0-int8", 255);
    await quantise("q-c1-g0", "q-c1-g0-int4", 16);
    const result = await recover([folder], { trees: 1 });
    const byChild = new Map(result.graph.edges.map((e) => [e.child, e]));
    expect(byChild.get("q-c0-int8")).toMatchObject({ parent: "q-c0", type: "quantized", confidence: 1 });
    expect(byChild.get("q-c1-g0-int4")).toMatchObject({ parent: "q-c1-g0", type: "quantized", confidence: 1 });
    expect(result.graph.edges.filter((e) => /-int(8|4)$/.test(e.parent))).toEqual([]);
  });

  test.each([
    ["a pruned copy of three models", "pruned", ["p", "p-c0", "p-c1-g0"]],
    // Many pruned copies side by side: their shared zeros once looked like TIES/DARE merges of each other.
    ["pruned copies of every model (never taken for merges)", "pruned-all", ["p", "p-c0", "p-c1", "p-c2", "p-c0-g0", "p-c1-g0", "p-c2-g0"]],
  ])(
    "%s (30 %% of each matrix zeroed) of a lightly fine-tuned tree: each hangs under its source (pairs measured by max |Δw|), never above",
    async (_, name, sources) => {
      const folder = join(dir, name);
      await writeSyntheticTrees(folder, [{ root: "p", children: 3, grandchildren: 1 }], { mode: "ft", seed: 33, step: 0.05 });
      for (const id of sources) {
        const tensors = await openSafetensorsFile(join(folder, id, "model.safetensors"));
        await mkdir(join(folder, `${id}-pruned`));
        const pruned = await Promise.all(
          tensors.map(async (t) => {
            const data = Float32Array.from(await readTensor(t));
            if (t.shape.length === 2) {
              const cut = [...data].map(Math.abs).sort((a, b) => a - b)[Math.floor(0.3 * data.length)]!;
              for (let i = 0; i < data.length; i++) if (Math.abs(data[i]!) < cut) data[i] = 0;
            }
            return { name: t.name, dtype: "F32" as const, shape: t.shape, data };
          }),
        );
        await writeSafetensors(join(folder, `${id}-pruned`, "model.safetensors"), pruned);
      }
      const result = await recover([folder], { trees: 1 });
      const byChild = new Map(result.graph.edges.map((e) => [e.child, e.parent]));
      for (const id of sources) expect(byChild.get(`${id}-pruned`)).toBe(id);
      expect(result.graph.edges.filter((e) => e.parent.endsWith("-pruned") || e.type === "merge")).toEqual([]);
    },
  );

  test("an exact duplicate hangs under the model given first, at confidence 0; a copy changed beyond rounding is a model of its own", async () => {
    const folder = join(dir, "duplicates");
    await writeSyntheticTrees(folder, [{ root: "d", children: 2, grandchildren: 0 }], { mode: "ft", seed: 32 });
    await resave(folder, "d-c0", "d-c0-copy", "F32");
    await resave(folder, "d-c1", "d-c1-edited", "F16", 0.01);
    const result = await recover([folder], { trees: 1 });
    const byChild = new Map(result.graph.edges.map((e) => [e.child, e]));
    // Same precision: storage cannot tell which came first, and the edge says so.
    expect(byChild.get("d-c0-copy")).toMatchObject({ parent: "d-c0", confidence: 0 });
    expect(byChild.get("d-c1-edited")?.confidence).not.toBe(1);
  });
});
