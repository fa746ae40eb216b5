/**
 * Fault injection, part 4: a read that fails inside the native layer stream (one call per GGUF
 * layer, src/kernels/native/layer-stream.c) after the headers were read and the first chunk swept.
 * The error is one MotherError naming the file and the errno; from the CLI, one line, exit 1, no
 * output file, the user's models untouched. The failure is real: the native pread is given a
 * folder's descriptor (failing-reads.ts).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import { analyseLayer } from "../../src/recover/layer-pass.ts";
import { hashTree, runMother } from "../fixtures/run-mother.ts";
import { failReadsOf } from "./failing-reads.ts";
import { faultSetFile, firstLayerJob, writeFaultSet } from "./gguf-fault-set.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-faults-read-");
let set: string;
/** The GGUF file whose reads fail. */
let victim: string;

beforeAll(async () => {
  set = await writeFaultSet(dir, 31);
  victim = faultSetFile(set, "r-c0");
}, 60_000);

describe("a read error inside the native layer stream", () => {
  test("analyseLayer throws one MotherError naming the file and the errno", async () => {
    if (!(await threadKernels()).decodesInChunks("Q8_0")) return; // WebAssembly kernels: no layer stream
    const job = await firstLayerJob(set);
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
