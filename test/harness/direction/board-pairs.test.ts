import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { pairLayerEvidence } from "../../../src/direction/pair-evidence.ts";
import { ArtifactStore } from "../../../src/harness/artifact-store.ts";
import { boardPairLayers, boardPairs } from "../../../src/harness/direction/board-pairs.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

/** The models and artefacts of the one test that writes them. */
const folder = temporaryFolder("board-pairs-");

describe("boardPairs", () => {
  test("compares every pair on the score layers only, and a rerun reads the artefact instead of the weights", async () => {
    const n = 32;
    const weights = (seed: number) => Float32Array.from({ length: n * n }, (_, i) => Math.sin(i * 1.3 + seed) * (1 + (i % 7)) * 0.01);
    const query = [weights(0), weights(1), weights(2)];
    for (const [m, id] of ["a", "b", "c"].entries()) {
      await mkdir(join(folder, id));
      await writeSafetensors(join(folder, id, "model.safetensors"), [
        { name: "model.layers.0.self_attn.q_proj.weight", dtype: "F32", shape: [n, n], data: query[m]! },
        { name: "model.embed_tokens.weight", dtype: "F32", shape: [n, n], data: weights(10 + m) },
      ]);
    }
    const models = (await discoverModels([folder])).sort((x, y) => x.id.localeCompare(y.id));
    const logged: string[] = [];
    const store = new ArtifactStore(join(folder, "cache"), { log: (line) => logged.push(line), now: () => 0 });
    const pairs = await boardPairs("bench", "a", models, store);
    expect(pairs.size).toBe(3);
    const layers = boardPairLayers(pairs);
    // One score layer (the attention query; the embedding table is not a score layer), a against c as computed directly.
    expect(layers.layersOf(0, 2)).toHaveLength(1);
    const direct = pairLayerEvidence(query[0]!, query[2]!)!;
    expect(layers.layersOf(0, 2)[0]!.tanh.mean).toBeCloseTo(direct.tanh.mean, 12);
    expect(layers.layersOf(0, 2)[0]!.heteroBackward).toBeCloseTo(direct.heteroBackward, 12);
    expect(logged.some((line) => line.startsWith("[built]"))).toBe(true);
    logged.length = 0;
    await boardPairs("bench", "a", models, store);
    expect(logged.some((line) => line.startsWith("[built]"))).toBe(false);
  });
});
