import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { recover } from "../../src/recover/recover.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-pruned-");

/** Writes model `id` again as `copyId` with the smallest 30 % of every matrix set to 0 (magnitude pruning). */
async function pruneCopy(folder: string, id: string, copyId: string): Promise<void> {
  const tensors = await openSafetensorsFile(join(folder, id, "model.safetensors"));
  await mkdir(join(folder, copyId));
  const pruned = await Promise.all(
    tensors.map(async (t) => {
      const data = await readTensor(t);
      const cut = Float64Array.from(data, Math.abs).sort()[Math.floor(0.3 * data.length)]!;
      return { name: t.name, dtype: t.dtype, shape: t.shape, data: data.map((v) => (Math.abs(v) < cut ? 0 : v)) };
    }),
  );
  await writeSafetensors(join(folder, copyId, "model.safetensors"), pruned);
}

describe("pruned copies (pruned-copies.ts)", () => {
  test("a pruned copy of each LoRA model hangs under its source as a quantized copy, not under another pruned copy", async () => {
    const folder = join(dir, "lora");
    const truth = await writeSyntheticTrees(folder, [{ root: "r", children: 2, grandchildren: 1 }], { mode: "lora", loraRank: 4, seed: 9 });
    for (const { id } of truth.models) await pruneCopy(folder, id, `${id}.pruned`);
    const { graph } = await recover([folder], { trees: 1 });
    for (const { id } of truth.models) expect(graph.edges.find((e) => e.child === `${id}.pruned`)).toMatchObject({ parent: id, type: "quantized" });
    for (const edge of truth.edges) expect(graph.edges.find((e) => e.child === edge.child)?.parent).toBe(edge.parent);
  });
});
