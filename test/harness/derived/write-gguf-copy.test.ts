/** GGUF copies for the harness: written once, reused, read back by @huggingface/gguf and by recovery as a quantized child. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { gguf } from "@huggingface/gguf";
import { writeGgufCopy } from "../../../src/harness/derived/write-gguf-copy.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { recover } from "../../../src/recover/recover.ts";
import { writeSyntheticTrees } from "../../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-gguf-copy-");

describe("writeGgufCopy", () => {
  test("writes a Q8_0 GGUF once, reuses it, and recovery hangs it under its source", async () => {
    const set = join(dir, "set");
    await writeSyntheticTrees(set, [{ root: "r", children: 2, grandchildren: 0 }], { seed: 11, hidden: 64 });
    const source = (await discoverModels([join(set, "r-c1")]))[0]!;
    const folder = join(set, "r-c1-gguf");
    expect(await writeGgufCopy(source, "Q8_0", folder)).toBe(true);
    expect(await writeGgufCopy(source, "Q8_0", folder)).toBe(false);
    const parsed = await gguf(join(folder, "model.gguf"), { allowLocalFile: true });
    expect(parsed.tensorInfos.map((t) => t.name).sort()).toEqual(source.tensors.map((t) => t.name).sort());
    const result = await recover([set], { trees: 1 });
    expect(result.graph.edges.find((e) => e.child === "r-c1-gguf")).toMatchObject({ parent: "r-c1", type: "quantized" });
  });
});
