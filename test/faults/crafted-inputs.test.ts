/**
 * Fault injection, part 1: crafted checkpoints, built here byte by byte, given to the CLI as a
 * user would. A refused input gives one line naming the file, exit 1, no output file, and
 * leaves every file of the user's byte-identical; a legal oddity (an empty tensor, a shard
 * tensor the index omits) is recovered with a note.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MAX_TENSORS_PER_FILE } from "../../src/io/safetensors-header.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { writeShardedSafetensors } from "../../src/io/write-sharded-safetensors.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { craftSafetensors, f32Bytes } from "../io/craft-safetensors.ts";
import { hashTree, runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-faults-crafted-");
const cacheHome = temporaryFolder("mother-faults-crafted-xdg-");
let good: string;

beforeAll(async () => {
  good = join(dir, "good");
  await writeSyntheticTrees(good, [{ root: "r", children: 2, grandchildren: 1 }], { seed: 17 });
});

/** A copy of the good set named `name`, with `change` applied to it (given the copy's folder). */
async function variant(name: string, change: (set: string) => Promise<void>): Promise<string> {
  const set = join(dir, name);
  await cp(good, set, { recursive: true });
  await change(set);
  return set;
}

/** Rewrites every model of `set` through `edit` (name → tensors to write instead). */
async function rewriteModels(
  set: string,
  ids: readonly string[],
  edit: (tensors: { name: string; dtype: "F32"; shape: number[]; data: Float32Array }[]) => unknown[],
) {
  for (const id of ids) {
    const file = join(set, id, "model.safetensors");
    const tensors = await Promise.all(
      (await openSafetensorsFile(file)).map(async (t) => ({
        name: t.name,
        dtype: "F32" as const,
        shape: [...t.shape],
        data: (await readTensor(t)) as Float32Array,
      })),
    );
    await writeSafetensors(file, edit(tensors) as Parameters<typeof writeSafetensors>[1]);
  }
}

const IDS = ["r", "r-c0", "r-c0-g0", "r-c1"];

describe("crafted checkpoints that must be refused", () => {
  const cases: [string, (file: string) => Uint8Array, RegExp][] = [
    ["a header length that lies (past the end of the file)", () => craftSafetensors({}, new Uint8Array(0), { headerLength: 1n << 40n }), /header length/],
    [
      "offsets that lie (two tensors sharing bytes)",
      () =>
        craftSafetensors(
          {
            "vit.encoder.layer.0.attention.attention.query.weight": { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] },
            "vit.encoder.layer.0.attention.attention.key.weight": { dtype: "F32", shape: [2, 2], data_offsets: [8, 24] },
          },
          new Uint8Array(24),
        ),
      /overlapping data_offsets/,
    ],
    [
      "a tensor that runs past the end of the data",
      () =>
        craftSafetensors({ "vit.encoder.layer.0.attention.attention.query.weight": { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] } }, f32Bytes([1, 2])),
      /truncated file/,
    ],
    [
      "a huge header of empty tensors (more than MAX_TENSORS_PER_FILE), refused before it is parsed",
      () => {
        const entries = Array.from({ length: MAX_TENSORS_PER_FILE + 1 }, (_, i) => `"t.${i}.weight":{"dtype":"F32","shape":[0,64],"data_offsets":[0,0]}`);
        return craftSafetensors(`{${entries.join(",")}}`);
      },
      new RegExp(`too many tensors .*limit ${MAX_TENSORS_PER_FILE}`),
    ],
  ];
  test.each(cases)(
    "%s: one line naming the file, exit 1, no output, nothing changed",
    async (name, bytes, problem) => {
      const set = await variant(name.replace(/\W+/g, "-"), async (folder) => writeFile(join(folder, "r-c0", "model.safetensors"), bytes(folder)));
      const before = await hashTree(set);
      const out = join(dir, `${name.replace(/\W+/g, "-")}.json`);
      const run = await runMother(["recover", set, "--out", out], { cacheHome });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toContain(join(set, "r-c0", "model.safetensors"));
      expect(run.stderr).toMatch(problem);
      expect(existsSync(out)).toBe(false);
      expect(await hashTree(set)).toEqual(before);
    },
    30_000,
  );
});

describe("crafted checkpoints that are legal", () => {
  test("an empty tensor ([0, 64]) in every model: recovered with a note, progress never 0/NaN, same tree as without it", async () => {
    const set = await variant("empty-tensors", async (folder) =>
      rewriteModels(folder, [...IDS, "r-c1-g0"], (tensors) => [
        ...tensors,
        { name: "vit.encoder.layer.0.intermediate.dense.weight", dtype: "F32", shape: [0, 64], data: new Float32Array(0) },
      ]),
    );
    const before = await hashTree(set);
    const run = await runMother(["recover", set, "--no-cache"], { cacheHome });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("empty tensor vit.encoder.layer.0.intermediate.dense.weight [0, 64] skipped");
    expect(run.stderr).not.toMatch(/NaN|non-finite/);
    const plain = await runMother(["recover", good, "--no-cache", "--quiet"], { cacheHome });
    expect(JSON.parse(run.stdout).edges).toEqual(JSON.parse(plain.stdout).edges);
    expect(await hashTree(set)).toEqual(before);
  }, 30_000);

  test("a sharded model whose index omits a tensor stays in its siblings' tree, with a note naming the index", async () => {
    const set = await variant("index-omits", async (folder) => {
      const file = join(folder, "r-c1", "model.safetensors");
      const tensors = await Promise.all(
        (await openSafetensorsFile(file)).map(async (t) => ({ name: t.name, dtype: "F32" as const, shape: [...t.shape], data: await readTensor(t) })),
      );
      await rm(file);
      await writeShardedSafetensors(join(folder, "r-c1"), tensors as Parameters<typeof writeShardedSafetensors>[1], 3 * 4096);
      const index = join(folder, "r-c1", "model.safetensors.index.json");
      const parsed = JSON.parse(await readFile(index, "utf8"));
      delete parsed.weight_map[tensors[0]!.name];
      await writeFile(index, JSON.stringify(parsed));
    });
    const run = await runMother(["recover", set, "--no-cache"], { cacheHome });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`${join(set, "r-c1", "model.safetensors.index.json")}: weight_map omits`);
    const graph = JSON.parse(run.stdout);
    expect(graph.trees).toHaveLength(1);
    expect(run.stderr).not.toContain("architecture groups");
  }, 30_000);
});
