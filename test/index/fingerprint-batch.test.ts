import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { discoverModels, locateModels, sortedLocations } from "../../src/io/discover-models.ts";
import { heldBytes } from "../../src/io/held-files.ts";
import { fingerprintBatch, fingerprintLocated, fingerprintMessage } from "../../src/index/fingerprint-batch.ts";
import { fingerprintModel } from "../../src/index/fingerprint.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import type { WorkerFailure } from "../../src/workers/worker-pool.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-fingerprint-batch-");
// The kernels loaded here, not in the first test: the first load in a process builds them when their sources changed
// since the last build (a C compile: the first test took 5.0 s and timed out at load 5.8 without a built library).
beforeAll(async () => {
  await writeSyntheticTrees(dir, [{ root: "a", children: 2, grandchildren: 0 }]);
  await threadKernels();
}, 120_000);

describe("fingerprintBatch and fingerprintMessage", () => {
  test("a batch is its models' fingerprints in order, and the message transfers each one's samples", async () => {
    const models = await discoverModels([dir]);
    const want = await Promise.all(models.map((model) => fingerprintModel(model)));
    expect(await fingerprintBatch(models)).toEqual(want);
    const [answer, transfer] = await fingerprintMessage(models);
    expect((answer as { result: unknown }).result).toEqual(want);
    expect(transfer).toHaveLength(models.length);
  });

  test("without digests (the tree pool's fingerprints, never written to an index) everything but the checksum is the same, and it is empty", async () => {
    const models = await discoverModels([dir]);
    const want = await Promise.all(models.map((model) => fingerprintModel(model)));
    const light = await fingerprintBatch(models, false);
    expect(light.map((f) => f.checksum)).toEqual(models.map(() => ""));
    expect(light).toEqual(want.map((f) => ({ ...f, checksum: "" })));
    expect(want.every((f) => /^[0-9a-f]{16}$/.test(f.checksum))).toBe(true);
  });

  test("a model that cannot be read answers with the failure naming its file, nothing transferred", async () => {
    const [first, second] = await discoverModels([dir]);
    const gone = join(dir, "gone.safetensors");
    const [answer, transfer] = await fingerprintMessage([first!, { ...second!, tensors: second!.tensors.map((t) => ({ ...t, file: gone })) }]);
    expect((answer as { failure: WorkerFailure }).failure.file).toBe(gone);
    expect(transfer).toEqual([]);
  });

  test("located models (each read whole, once, for its header and its layers) get the fingerprints of their opened models, and nothing stays held", async () => {
    const models = await discoverModels([dir]);
    const want = await Promise.all(models.map((model) => fingerprintModel(model, { digest: false })));
    const located = await fingerprintLocated(sortedLocations(await locateModels(dir)));
    expect(located.fingerprints).toEqual(want);
    expect(models.map((model) => heldBytes(join(model.path, "model.safetensors")))).toEqual(models.map(() => undefined));
  });
});
