import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { statSync } from "node:fs";
import { TreePool } from "../../src/index/tree-pool.ts";
import type { TreeJob } from "../../src/index/recover-tree-job.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { discoverModels } from "../../src/io/discover-models.ts";
import { fingerprintAll } from "../../src/index/fingerprint-pool.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-tree-pool-");
beforeAll(async () => {
  await writeSyntheticTrees(dir, [
    { root: "a", children: 2, grandchildren: 1 },
    { root: "b", children: 2, grandchildren: 1 },
  ]);
});

const pathsOf = (root: string) => [root, `${root}-c0`, `${root}-c1`, `${root}-c0-g0`, `${root}-c1-g0`].map((id) => join(dir, id));
/** The tree's job; `held` lists its files, so that they are read whole first (HOLD_TREE_BYTES). */
const treeOf = (root: string, held = true): TreeJob => {
  const paths = pathsOf(root);
  const files = held ? paths.map((path) => join(path, "model.safetensors")).map((file) => [file, statSync(file).size] as const) : [];
  return { paths, files };
};

describe("TreePool", () => {
  test("worker threads recover the same trees as the in-process pool", async () => {
    const [threads, inProcess] = [new TreePool(2, DEFAULT_RECOVER_OPTIONS), new TreePool(0, DEFAULT_RECOVER_OPTIONS)];
    try {
      const got = await Promise.all(["a", "b"].map((root) => threads.recover(treeOf(root))));
      const want = await Promise.all(["a", "b"].map((root) => inProcess.recover(treeOf(root))));
      expect(got).toEqual(want);
      // Held in memory or streamed from disk: the same trees.
      const streamed = await Promise.all(["a", "b"].map((root) => inProcess.recover(treeOf(root, false))));
      expect(streamed).toEqual(want);
      expect(got[0]!.graph.edges.map((e) => `${e.parent}>${e.child}`).sort()).toEqual(["a-c0>a-c0-g0", "a-c1>a-c1-g0", "a>a-c0", "a>a-c1"]);
    } finally {
      threads.close();
      inProcess.close();
    }
  });

  test("its threads fingerprint models as the in-process fingerprinting does (without checksums: nothing is kept), between trees", async () => {
    const models = await discoverModels([...pathsOf("a"), ...pathsOf("b")]);
    const pool = new TreePool(2, DEFAULT_RECOVER_OPTIONS);
    try {
      const [first, tree, second] = await Promise.all([pool.fingerprint(models.slice(0, 4)), pool.recover(treeOf("a")), pool.fingerprint(models.slice(4))]);
      expect([...first, ...second]).toEqual((await fingerprintAll(models, 0)).map((f) => ({ ...f, checksum: "" })));
      expect(tree.graph.edges).toHaveLength(4);
    } finally {
      pool.close();
    }
  });

  test("a tree whose file is gone rejects with the MotherError naming it", async () => {
    const pool = new TreePool(1, DEFAULT_RECOVER_OPTIONS);
    try {
      const error = await pool.recover({ paths: [...pathsOf("a"), join(dir, "missing")], files: treeOf("a").files }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MotherError);
      expect((error as MotherError).file).toBe(join(dir, "missing"));
    } finally {
      pool.close();
    }
  });
});
