/**
 * Fault injection, part 5: a GGUF file cut short while the native layer stream reads it through a
 * mapping (src/kernels/native/layer-stream.c). The cut is real (the file truncated after the size
 * check, right before the native call: cut-while-mapped.ts): cut to half its tensor, a mapped page
 * past the file's end raises SIGBUS in the kernels, which the guard turns into the model's failure;
 * cut inside the tensor's last page, the bytes past the end read as zeros, and the size check
 * after the sweep names it. Either way one MotherError naming the file and tensor (the bytes the
 * file still holds); from the CLI, one line, exit 1, no output file. The same set reads without
 * the fault, on worker threads too; a SIGBUS elsewhere still reaches the runtime's own handler.
 */
import { beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import { analyseLayer } from "../../src/recover/layer-pass.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { cutWhileMapped, half, tail } from "./cut-while-mapped.ts";
import { faultSetFile, firstLayerJob, writeFaultSet } from "./gguf-fault-set.ts";

const dir = temporaryFolder("mother-faults-mapped-");
let set: string;
/** The GGUF file cut short (the job's second model), and its bytes kept to put it back. */
let victim: string;
const whole = join(dir, "whole.gguf");

beforeAll(async () => {
  set = await writeFaultSet(dir, 37);
  victim = faultSetFile(set, "r-c0");
  copyFileSync(victim, whole);
}, 60_000);
beforeEach(() => copyFileSync(whole, victim));

describe("a GGUF file cut short while it is mapped", () => {
  for (const [cut, keep] of [
    ["to half its tensor (SIGBUS in the kernels)", half],
    ["inside its tensor's last page (zeros past the end)", tail],
  ] as const) {
    test(`${cut}: analyseLayer throws one MotherError naming the file, the tensor and the bytes left`, async () => {
      if (!(await threadKernels()).decodesInChunks("Q8_0")) return expect((await threadKernels()).backend).toBe("wasm"); // no layer stream
      const job = await firstLayerJob(set);
      const victimTensor = job.tensors[1]!;
      const clean = await analyseLayer(job);
      const cuts = { calls: 0 };
      const undo = cutWhileMapped(victim, keep, cuts);
      let error: unknown;
      try {
        error = await analyseLayer(job).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      } finally {
        undo();
      }
      expect(cuts.calls).toBe(1);
      expect(error).toBeInstanceOf(MotherError);
      expect((error as MotherError).code).toBe("input");
      const left = keep({ byteLength: victimTensor.byteLength } as Parameters<typeof keep>[0]);
      expect((error as MotherError).message).toStartWith(`${victim}: truncated file: GGUF tensor ${victimTensor.name} is cut short`);
      expect((error as MotherError).message).toContain(`${left} bytes read`);
      // The file put back, the same job reads to the same results: nothing was left half-done.
      copyFileSync(whole, victim);
      expect(await analyseLayer(job)).toEqual(clean);
    });
  }

  test("on a worker thread (the guard is per thread): the same MotherError", async () => {
    if (!(await threadKernels()).decodesInChunks("Q8_0")) return expect((await threadKernels()).backend).toBe("wasm");
    const job = await firstLayerJob(set);
    const victimTensor = job.tensors[1]!;
    const worker = new Worker(join(import.meta.dir, "cut-while-mapped.ts"));
    try {
      const message = await new Promise<string>((resolve, reject) => {
        worker.onmessage = ({ data }: MessageEvent<string>) => resolve(data);
        worker.onerror = (error) => reject(error);
        worker.postMessage({ job, file: victim });
      });
      expect(message).toStartWith(`${victim}: truncated file: GGUF tensor ${victimTensor.name} is cut short`);
      expect(message).toContain(`${Math.floor(victimTensor.byteLength / 2)} bytes read`);
    } finally {
      worker.terminate();
    }
  });

  test("a SIGBUS outside the guard's mappings still reaches the handler before it (Bun's: a crash report, exit 135)", async () => {
    if (!(await threadKernels()).decodesInChunks("Q8_0")) return expect((await threadKernels()).backend).toBe("wasm");
    const script = join(import.meta.dir, "foreign-sigbus.ts");
    const env = { ...process.env, MOTHER_TEST_SET: set, MOTHER_TEST_SCRATCH: join(dir, "foreign.bin") };
    const run = Bun.spawnSync(["bun", script], { env, stdout: "pipe", stderr: "pipe" });
    const stdout = run.stdout.toString();
    expect(stdout).toMatch(/^swept [1-9]/);
    expect(stdout).not.toContain("read ");
    expect(run.stderr.toString()).toContain("Bus error");
    expect(run.exitCode ?? 128 + 7).toBe(135);
  });

  test("mother recover prints one line naming the file, exits 1 and writes no output file", async () => {
    if (!(await threadKernels()).decodesInChunks("Q8_0")) return expect((await threadKernels()).backend).toBe("wasm");
    const out = join(dir, "graph.json");
    const args = ["recover", set, "--workers", "0", "--no-cache", "--quiet", "--out", out];
    const preload = join(import.meta.dir, "cut-while-mapped.ts");
    const run = await runMother(args, { preload, env: { MOTHER_TEST_CUT_WHILE_MAPPED: victim } });
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toStartWith(`mother: ${victim}: truncated file: GGUF tensor `);
    expect(run.stderr).toContain(" is cut short");
    expect(run.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    // The file put back, the same command succeeds.
    copyFileSync(whole, victim);
    const clean = await runMother(args);
    expect(clean.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    await rm(out);
  }, 60_000);
});
