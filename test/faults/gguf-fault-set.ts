/**
 * Test helper: the GGUF set the native layer stream's fault tests read (read-errors.test.ts,
 * mapped-reads.test.ts): three Q8_0 models, a root and two children, of one Llama block of hidden
 * 512 — layers of 512² values, four 65,536-value chunks, so three are left for the layer stream
 * after the first — and the layer job of their first tensor.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { openGgufFile } from "../../src/io/gguf/read-gguf.ts";
import { writeGgufFromHf } from "../../src/io/gguf/write-gguf.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import type { LayerJob } from "../../src/recover/layer-pass.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";

/** The models of the set, each in its folder as `<id>.Q8_0.gguf`. */
export const FAULT_SET_IDS = ["r", "r-c0", "r-c1"] as const;

/** Writes the set (weights drawn with `seed`) into `dir`/set, its safetensors sources into `dir`/source; the set's folder. */
export async function writeFaultSet(dir: string, seed: number): Promise<string> {
  await writeSyntheticTrees(join(dir, "source"), [{ root: "r", children: 2, grandchildren: 0 }], { hidden: 512, blocks: 1, seed });
  const set = join(dir, "set");
  for (const id of FAULT_SET_IDS) {
    const tensors = await openSafetensorsFile(join(dir, "source", id, "model.safetensors"));
    const hf = await Promise.all(tensors.map(async (t) => ({ name: t.name, shape: t.shape, data: await readTensor(t) })));
    await mkdir(join(set, id), { recursive: true });
    await writeGgufFromHf(join(set, id, `${id}.Q8_0.gguf`), hf, { type: "Q8_0", headCount: 2 });
  }
  return set;
}

/** The GGUF file of model `id` in the set. */
export function faultSetFile(set: string, id: (typeof FAULT_SET_IDS)[number]): string {
  return join(set, id, `${id}.Q8_0.gguf`);
}

/** The layer job of the set's first tensor (a distance layer: decoded, summed and compared), as the layer pass gets it. */
export async function firstLayerJob(set: string): Promise<LayerJob> {
  const tensors = await Promise.all(FAULT_SET_IDS.map(async (id) => (await openGgufFile(faultSetFile(set, id))).tensors[0]!));
  return {
    name: tensors[0]!.name,
    kind: "value",
    shape: tensors[0]!.shape,
    tensors,
    roles: { distance: true, score: true, sketch: false },
    sketchSize: 16,
    histogramBins: 0,
  };
}
