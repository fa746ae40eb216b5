import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ArtifactStore } from "../../../src/harness/artifact-store.ts";
import { releaseFolder } from "../../../src/harness/families/release-folder.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

describe("releaseFolder", () => {
  test("lists hash-named model artefacts under their release ids, once", async () => {
    const root = temporaryFolder("mother-release-");
    const logs: string[] = [];
    const store = new ArtifactStore(root, { log: (line) => logs.push(line), now: () => 0 });
    const models = new Map<string, { key: string; path: string }>();
    for (const [i, id] of ["llama-2", "codellama"].entries()) {
      const artifact = await store.get("model", { i }, (folder) =>
        writeSafetensors(join(folder, "model.safetensors"), [
          { name: "model.layers.0.self_attn.q_proj.weight", dtype: "F32", shape: [2, 2], data: Float32Array.of(i, 1, 2, 3) },
        ]),
      );
      models.set(id, artifact);
    }
    const release = await releaseFolder(store, "llama-family", models);
    const found = await discoverModels([release]);
    expect(found.map((m) => m.id)).toEqual(["codellama", "llama-2"]);
    expect(found.every((m) => m.tensors[0]!.file.includes(release))).toBe(true);

    const before = logs.length;
    expect(await releaseFolder(store, "llama-family", models)).toBe(release);
    expect(logs.slice(before).every((line) => line.startsWith("[fresh]"))).toBe(true);
  });
});
