/**
 * GGUF copies in a model set: each is recognised as a quantized copy of the unquantized model it
 * was made from (its format says it is the child) and hangs under it; the rest of the tree is
 * recovered as without the copies.
 */
import { describe, expect, test } from "bun:test";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { writeGgufFromHf } from "../../src/io/gguf/write-gguf.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { recover } from "../../src/recover/recover.ts";
import type { GgmlType } from "../../src/types.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-gguf-twins-");

/** Writes model `id` of `folder` as a GGUF of `type` in the model folder `copyId` (`typeOf`: other types by GGUF name). */
async function ggufCopy(folder: string, id: string, copyId: string, type: GgmlType, typeOf?: (name: string) => GgmlType | undefined): Promise<void> {
  const tensors = await openSafetensorsFile(join(folder, id, "model.safetensors"));
  const hf = await Promise.all(tensors.map(async (t) => ({ name: t.name, shape: t.shape, data: await readTensor(t) })));
  await writeGgufFromHf(join(folder, copyId, `${copyId}.gguf`), hf, { type, headCount: 4, typeOf });
}

describe("GGUF copies", () => {
  test("Q8_0 and Q4_K copies hang under their sources; the tree of the others is unchanged", async () => {
    const folder = join(dir, "set");
    await writeSyntheticTrees(folder, [{ root: "r", children: 3, grandchildren: 2 }], { mode: "ft", seed: 41, hidden: 256, blocks: 1 });
    const without = await recover([folder], { trees: 1 });
    await ggufCopy(folder, "r-c1", "r-c1-q8", "Q8_0");
    await ggufCopy(folder, "r", "r-q4k", "Q4_K");
    await ggufCopy(folder, "r-c0-g1", "r-c0-g1-q4k", "Q4_K");
    await ggufCopy(folder, "r-c1", "r-c1-q4k", "Q4_K"); // beside the Q8_0 copy of the same source
    const result = await recover([folder], { trees: 1 });
    const parentOf = new Map(result.graph.edges.map((e) => [e.child, e]));
    expect(parentOf.get("r-c1-q8")).toMatchObject({ parent: "r-c1", type: "quantized", confidence: 1 });
    expect(result.graph.models.find((m) => m.id === "r-c1-q8")?.format).toBe("gguf");
    expect(parentOf.get("r-q4k")).toMatchObject({ parent: "r", confidence: 1 });
    expect(parentOf.get("r-c0-g1-q4k")).toMatchObject({ parent: "r-c0-g1", confidence: 1 });
    expect(parentOf.get("r-c1-q4k")).toMatchObject({ parent: "r-c1", type: "quantized" });
    const pairs = (edges: readonly { parent: string; child: string }[]) => edges.map((e) => `${e.parent}→${e.child}`).sort();
    expect(pairs(result.graph.edges.filter((e) => !/-q(8|4k)$/.test(e.child)))).toEqual(pairs(without.graph.edges));
  }, 90_000);

  test("Llama names: GGUF copies (Q/K rows in rotary order, F16 and Q8_0) compare weight for weight with their safetensors sources", async () => {
    const vit = join(dir, "vit");
    await writeSyntheticTrees(vit, [{ root: "l", children: 2, grandchildren: 1 }], { mode: "ft", seed: 43, hidden: 64, blocks: 2 });
    const llama = join(dir, "llama");
    const rename = (name: string) =>
      name
        .replace(/^vit\.encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\./, (_, n, p) => `model.layers.${n}.self_attn.${p[0]}_proj.`)
        .replace(/^vit\.encoder\.layer\.(\d+)\.attention\.output\.dense\./, "model.layers.$1.self_attn.o_proj.");
    for (const id of ["l", "l-c0", "l-c1", "l-c0-g0"]) {
      const tensors = await openSafetensorsFile(join(vit, id, "model.safetensors"));
      const hf = await Promise.all(tensors.map(async (t) => ({ name: rename(t.name), dtype: "F32" as const, shape: t.shape, data: await readTensor(t) })));
      expect(hf.some((t) => t.name.endsWith("self_attn.q_proj.weight"))).toBe(true);
      await writeSafetensors(join(llama, id, "model.safetensors"), hf);
    }
    const without = await recover([llama], { trees: 1 });
    await ggufCopy(llama, "l-c0", "l-c0-q8", "Q8_0");
    await ggufCopy(llama, "l", "l-f16", "F16");
    const result = await recover([llama], { trees: 1 });
    const parentOf = new Map(result.graph.edges.map((e) => [e.child, e]));
    expect(parentOf.get("l-c0-q8")).toMatchObject({ parent: "l-c0", type: "quantized", confidence: 1 });
    // F16 is not a block format: an f16 re-save, exactly the rounding of its source (a storage twin).
    expect(parentOf.get("l-f16")).toMatchObject({ parent: "l", type: "quantized", confidence: 1 });
    expect(parentOf.get("l-f16")!.distance).toBeLessThan(0.01 * parentOf.get("l-c0")!.distance);
    const pairs = (edges: readonly { parent: string; child: string }[]) => edges.map((e) => `${e.parent}→${e.child}`).sort();
    expect(pairs(result.graph.edges.filter((e) => !/-(q8|f16)$/.test(e.child)))).toEqual(pairs(without.graph.edges));
  });

  test("quantizations of an absent source hang under the finest of them, which takes the source's place", async () => {
    const folder = join(dir, "repository");
    await writeSyntheticTrees(folder, [{ root: "h", children: 2, grandchildren: 0 }], { mode: "ft", seed: 44, hidden: 256, blocks: 1 });
    await ggufCopy(folder, "h-c1", "h-c1-q8", "Q8_0");
    await ggufCopy(folder, "h-c1", "h-c1-q6k", "Q6_K");
    await ggufCopy(folder, "h-c1", "h-c1-q4k", "Q4_K");
    await rm(join(folder, "h-c1"), { recursive: true });
    const result = await recover([folder], { trees: 1 });
    const parentOf = new Map(result.graph.edges.map((e) => [e.child, e]));
    expect(parentOf.get("h-c1-q6k")).toMatchObject({ parent: "h-c1-q8", type: "quantized" });
    expect(parentOf.get("h-c1-q4k")).toMatchObject({ parent: "h-c1-q8", type: "quantized" });
    expect(parentOf.get("h-c1-q8")).toMatchObject({ parent: "h", type: "finetune" });
  }, 60_000);

  test("an _M copy (Q6_K value projections) beside an _S copy (all Q4_K) of an absent source: S hangs under M", async () => {
    const folder = join(dir, "mixes");
    await writeSyntheticTrees(folder, [{ root: "m", children: 2, grandchildren: 0 }], { mode: "ft", seed: 45, hidden: 256, blocks: 1 });
    await ggufCopy(folder, "m-c1", "m-c1-q4ks", "Q4_K");
    await ggufCopy(folder, "m-c1", "m-c1-q4km", "Q4_K", (name) => (name.includes("attention.value") ? "Q6_K" : undefined));
    await rm(join(folder, "m-c1"), { recursive: true });
    const result = await recover([folder], { trees: 1 });
    const parentOf = new Map(result.graph.edges.map((e) => [e.child, e]));
    // Both copies' coarsest layers are Q4_K; M's mean bits are higher, so S is its quantized copy, not a fine-tune of it.
    expect(parentOf.get("m-c1-q4ks")).toMatchObject({ parent: "m-c1-q4km", type: "quantized" });
    expect(parentOf.get("m-c1-q4km")).toMatchObject({ parent: "m", type: "finetune" });
  }, 60_000);

  test("a GGUF copy whose source is absent is a model of its own", async () => {
    const folder = join(dir, "orphan");
    await writeSyntheticTrees(folder, [{ root: "o", children: 2, grandchildren: 0 }], { mode: "ft", seed: 42, hidden: 64, blocks: 1 });
    await ggufCopy(folder, "o-c0", "o-c0-q8", "Q8_0");
    await rm(join(folder, "o-c0"), { recursive: true });
    const result = await recover([folder], { trees: 1 });
    expect(result.graph.models.map((m) => m.id).sort()).toEqual(["o", "o-c0-q8", "o-c1"]);
    expect(result.graph.edges.find((e) => e.child === "o-c0-q8")?.parent).toBe("o");
  });
});
