/**
 * Recovery computes the same bits on every x86-64 CPU with AVX2 (docs/reproducibility.md): the
 * native kernels are built with fixed flags, not -march=native, and the WebAssembly kernels
 * follow WebAssembly's deterministic semantics. The hashes below were computed on an AVX-512 CPU
 * and checked on an emulated AVX2-only one (qemu-x86_64 -cpu Haswell); CI on any other x86-64
 * Linux machine checks them again. The two kernel sets round differently (the native power sums
 * fuse multiply-adds), so each has its own hash; the recovered edges are the same.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadNativeKernels } from "../../src/kernels/native-kernels.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

/**
 * sha256 of the recovered numbers (see `numbers`) per set and kernel set, as measured here. A
 * change to recovery's arithmetic (scores, distances, confidence) changes them: then recompute
 * them on purpose (print `sha256(numbers(…))`), knowing why the numbers moved.
 */
const EXPECTED = {
  ft: { native: "9ff64fd6948faaa8a3699fb50ac7e4af9792c3aa926d10b8b92e315723205e83", wasm: "6ee564485e377863fe43ee9c33850ccc22457f34e74a42bdf6a9f1638746a304" },
  lora: {
    native: "5096c9fdd6f78483e8595a9cfccbab5c80fab73ea0aa1cf911de389809cbb3d4",
    wasm: "c6e4fcc2b15c5b443d881c7828bc5ed182ec2577f546defab12ab0bda55f7071",
  },
} as const;

const dir = temporaryFolder("mother-bits-");
beforeAll(async () => {
  const trees = [
    { root: "a", children: 3, grandchildren: 2 },
    { root: "b", children: 2, grandchildren: 2 },
  ];
  await writeSyntheticTrees(join(dir, "ft"), trees, { seed: 21, hidden: 48 });
  await writeSyntheticTrees(join(dir, "lora"), trees, { seed: 22, hidden: 48, mode: "lora" });
});

/** Recovers `set` in a fresh process with the default kernels or the WebAssembly ones alone. */
async function recoverJson(set: string, kernels: "default" | "wasm"): Promise<unknown> {
  const run = await runMother(["recover", "--no-cache", "--quiet", join(dir, set)], { env: { MOTHER_KERNELS: kernels === "wasm" ? "wasm" : "" } });
  if (run.code !== 0) throw new Error(`mother recover failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

interface Recovered {
  models: { id: string; stage: string; score: number }[];
  edges: { parent: string; child: string; distance: number; confidence?: number }[];
  trees: string[][];
}

/** The recovered numbers (scores, distances, confidences) and structure, without paths or fields other outputs may add. */
function numbers(result: unknown): string {
  const { models, edges, trees } = result as Recovered;
  return JSON.stringify({
    models: models.map(({ id, stage, score }) => ({ id, stage, score })),
    edges: edges.map(({ parent, child, distance, confidence }) => ({ parent, child, distance, confidence })),
    trees,
  });
}

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");

describe("recovery's numbers do not depend on the CPU", () => {
  const verified = process.platform === "linux" && process.arch === "x64";
  for (const set of ["ft", "lora"] as const) {
    test(`${set} set: the committed hash with each kernel set, and the same edges from both`, async () => {
      const [byDefault, wasm] = await Promise.all([recoverJson(set, "default"), recoverJson(set, "wasm")]);
      const edges = (r: unknown) => (r as Recovered).edges.map((e) => `${e.parent}>${e.child}`).sort();
      expect(edges(byDefault)).toEqual(edges(wasm));
      if (!verified) {
        console.warn(`skipped the hashes: measured on x86-64 Linux only, not on ${process.platform} ${process.arch}`);
        return;
      }
      // Where the native kernels cannot run, the default run is the WebAssembly one (the default run's
      // MOTHER_KERNELS is empty, whatever this suite runs under).
      const native = (await loadNativeKernels(undefined, {})).native !== undefined;
      expect(sha256(numbers(wasm))).toBe(EXPECTED[set].wasm);
      expect(sha256(numbers(byDefault))).toBe(native ? EXPECTED[set].native : EXPECTED[set].wasm);
    }, 60_000);
  }
});
