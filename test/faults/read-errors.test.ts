/**
 * Fault injection, part 4: a read that fails inside the native layer stream (one call per GGUF
 * layer, src/kernels/native/layer-stream.c) after the headers were read and the first chunk swept.
 * The error is one MotherError naming the file and the errno; from the CLI, one line, exit 1, no
 * output file, the user's models untouched. The failure is real: the native pread is given a
 * folder's descriptor (failing-reads.ts).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { openGgufFile } from "../../src/io/gguf/read-gguf.ts";
import { writeGgufFromHf } from "../../src/io/gguf/write-gguf.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import { analyseLayer } from "../../src/recover/layer-pass.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { hashTree, runMother } from "../fixtures/run-mother.ts";
import { failReadsOf } from "./failing-reads.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-faults-read-");
let set: string;
/** The GGUF file whose reads fail. */
let victim: string;

beforeAll(async () => {
  // Layers of 512² values: four 65,536-value chunks, so three are left for the layer stream after the first.
  await writeSyntheticTrees(join(dir, "source"), [{ root: "r", children: 2, grandchildren: 0 }], { hidden: 512, blocks: 1, seed: 31 });
  set = join(dir, "set");
  for (const id of ["r", "r-c0", "r-c1"]) {
    const tensors = await openSafetensorsFile(join(dir, "source", id, "model.safetensors"));
    const hf = await Promise.all(tensors.map(async (t) => ({ name: t.name, shape: t.shape, data: await readTensor(t) })));
    await mkdir(join(set, id), { recursive: true });
    await writeGgufFromHf(join(set, id, `${id}.Q8_0.gguf`), hf, { type: "Q8_0", headCount: 2 });
  }
  victim = join(set, "r-c0", "r-c0.Q8_0.gguf");
}, 60_000);

describe("a read error inside the native layer stream", () => {
  test("analyseLayer throws one MotherError naming the file and the errno", async () => {
    if (!(await threadKernels()).decodesInChunks("Q8_0")) return; // WebAssembly kernels: no layer stream
    const ids = ["r", "r-c0", "r-c1"];
    const tensors = await Promise.all(ids.map(async (id) => (await openGgufFile(join(set, id, `${id}.Q8_0.gguf`))).tensors[0]!));
    const job = {
      name: tensors[0]!.name,
      kind: "value" as const,
      shape: tensors[0]!.shape,
      tensors,
      roles: { distance: true, score: true, sketch: false },
      sketchSize: 16,
      histogramBins: 0,
    };
    const streamed = { calls: 0 };
    const undo = failReadsOf(victim, streamed);
    try {
      const error = await analyseLayer(job).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(streamed.calls).toBeGreaterThan(0);
      expect(error).toBeInstanceOf(MotherError);
      expect((error as MotherError).code).toBe("input");
      expect((error as MotherError).message).toBe(`${victim}: cannot read file (EISDIR)`);
    } finally {
      undo();
    }
    expect((await analyseLayer(job)).stats).toHaveLength(3); // the same job reads once the fault is gone
  });

  test("mother recover prints one line naming the file, exits 1 and writes no output file", async () => {
    if (!(await threadKernels()).decodesInChunks("Q8_0")) return;
    const before = await hashTree(set);
    const out = join(dir, "graph.json");
    const args = ["recover", set, "--workers", "0", "--no-cache", "--quiet", "--out", out];
    const preload = join(import.meta.dir, "failing-reads.ts");
    const run = await runMother(args, { preload, env: { MOTHER_TEST_FAILING_READS: victim } });
    expect(run.stderr.trim()).toBe(`mother: ${victim}: cannot read file (EISDIR)`);
    expect(run.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(["set", "source"]); // no temp file beside it either
    expect(await hashTree(set)).toEqual(before);
    // Without the fault the same command succeeds: the failure was the injected read's.
    const clean = await runMother(args);
    expect(clean.code).toBe(0);
    expect(existsSync(out)).toBe(true);
  }, 60_000);
});
