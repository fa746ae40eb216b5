import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARTIFACT_RECORD, ArtifactStore, SHORT_KEY_LENGTH, type ArtifactEffects } from "../../src/harness/artifact-store.ts";

function recorder(): ArtifactEffects & { lines: string[] } {
  let clock = 0;
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line), now: () => (clock += 1500) };
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "mother-store-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeModel(folder: string): Promise<void> {
  await writeFile(join(folder, "model.safetensors"), new Uint8Array(100));
  await writeFile(join(folder, "config.json"), "{}");
}

describe("ArtifactStore", () => {
  test("produces a folder once; the second get is served from disk without calling produce", async () => {
    const effects = recorder();
    const store = new ArtifactStore(root, effects);
    let calls = 0;
    const produce = async (folder: string) => {
      calls += 1;
      await writeModel(folder);
    };
    const first = await store.get("model", { seed: 1 }, produce);
    const second = await new ArtifactStore(root, effects).get("model", { seed: 1 }, produce);
    expect(calls).toBe(1);
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.path).toBe(first.path);
    expect(first.path).toBe(join(root, "model", first.key.slice(0, SHORT_KEY_LENGTH)));
    expect((await readdir(first.path)).sort()).toEqual([ARTIFACT_RECORD, "config.json", "model.safetensors"]);
    expect(second.bytes).toBe(first.bytes);
    expect(effects.lines[0]).toMatch(/^\[missing\] model\/[0-9a-f]{16}$/);
    expect(effects.lines[1]).toMatch(/^\[built\] model\/[0-9a-f]{16} \d+ B in 1\.5 s$/);
    expect(effects.lines[2]).toMatch(/^\[fresh\] model\/[0-9a-f]{16} \d+ B$/);
  });

  test("stores the kind, key, parent key and config beside the artefact", async () => {
    const store = new ArtifactStore(root, recorder());
    const parent = await store.get("model", { seed: 1 }, writeModel);
    const child = await store.get("model", { seed: 2 }, writeModel, { parent });
    const record = JSON.parse(await readFile(join(child.path, ARTIFACT_RECORD), "utf8"));
    expect(record).toEqual({ kind: "model", key: child.key, parent: parent.key, config: { seed: 2 } });
  });

  test("keys change with the parent and the kind, not with the label", () => {
    const store = new ArtifactStore(root, recorder());
    const plain = store.locate("model", { seed: 1 });
    expect(store.locate("model", { seed: 1 }, { parent: "p1" }).key).not.toBe(plain.key);
    expect(store.locate("model", { seed: 1 }, { parent: "p1" }).key).not.toBe(store.locate("model", { seed: 1 }, { parent: "p2" }).key);
    expect(store.locate("stats", { seed: 1 }).key).not.toBe(plain.key);
    expect(store.locate("model", { seed: 1 }, { label: "root 3" }).key).toBe(plain.key);
  });

  test("a produce that throws leaves nothing at the final path and no temp behind", async () => {
    const store = new ArtifactStore(root, recorder());
    const failing = async (folder: string) => {
      await writeFile(join(folder, "model.safetensors"), new Uint8Array(10));
      throw new Error("training diverged");
    };
    await expect(store.get("model", { seed: 1 }, failing)).rejects.toThrow("training diverged");
    expect(await readdir(join(root, "model"))).toEqual([]);
    const retried = await store.get("model", { seed: 1 }, writeModel);
    expect(retried.cached).toBe(false);
  });

  test("a file artefact is written atomically too", async () => {
    const store = new ArtifactStore(root, recorder());
    await expect(
      store.get(
        "table",
        { n: 1 },
        async (path) => {
          await writeFile(path, "partial");
          throw new Error("interrupted");
        },
        { extension: "arrow" },
      ),
    ).rejects.toThrow("interrupted");
    expect(await readdir(join(root, "table"))).toEqual([]);
    const made = await store.get("table", { n: 1 }, async (path) => writeFile(path, "whole"), { extension: "arrow" });
    expect(made.path.endsWith(".arrow")).toBe(true);
    expect(await readFile(made.path, "utf8")).toBe("whole");
  });

  test("a produce that writes nothing is an error, not an empty cached artefact", async () => {
    const store = new ArtifactStore(root, recorder());
    await expect(store.get("table", { n: 2 }, async () => {}, { extension: "json" })).rejects.toThrow("wrote nothing");
    await expect(store.get("model", { n: 2 }, async () => {})).rejects.toThrow("wrote nothing");
  });

  test("concurrent gets of the same key share one produce", async () => {
    const store = new ArtifactStore(root, recorder());
    let calls = 0;
    const slow = async (folder: string) => {
      calls += 1;
      await Bun.sleep(20);
      await writeModel(folder);
    };
    const results = await Promise.all([1, 2, 3, 4].map(() => store.get("model", { seed: 7 }, slow)));
    expect(calls).toBe(1);
    expect(new Set(results.map((result) => result.path)).size).toBe(1);
  });

  test("temps left by a killed process are swept; live temps are not", async () => {
    const store = new ArtifactStore(root, recorder());
    const { path } = store.locate("model", { seed: 3 });
    const shortKey = path.split("/").at(-1)!;
    const deadPid = Bun.spawnSync(["true"]).pid;
    const folder = join(root, "model");
    await mkdir(join(folder, `.tmp-${shortKey}-${deadPid}-abc`), { recursive: true });
    await mkdir(join(folder, `.tmp-${shortKey}-${process.pid}-live`), { recursive: true });
    await store.get("model", { seed: 3 }, writeModel);
    expect((await readdir(folder)).sort()).toEqual([`.tmp-${shortKey}-${process.pid}-live`, shortKey].sort());
  });

  test("a process killed mid-produce leaves nothing at the final path; the next run sweeps its temp and rebuilds", async () => {
    const storeModule = join(import.meta.dir, "../../src/harness/artifact-store.ts");
    const child = Bun.spawn(
      [
        "bun",
        "-e",
        `
      import { ArtifactStore } from ${JSON.stringify(storeModule)};
      await new ArtifactStore(${JSON.stringify(root)}, { log() {}, now: () => 0 }).get("model", { seed: 9 }, async (folder) => {
        await Bun.write(folder + "/model.safetensors", new Uint8Array(64));
        console.log("half-written");
        await new Promise(() => {});
      });
    `,
      ],
      { stdout: "pipe", stderr: "inherit" },
    );
    const reader = child.stdout.getReader();
    let said = "";
    while (!said.includes("half-written")) said += new TextDecoder().decode((await reader.read()).value);
    child.kill("SIGKILL");
    await child.exited;
    const store = new ArtifactStore(root, recorder());
    const { path } = store.locate("model", { seed: 9 });
    expect(await store.has("model", { seed: 9 })).toBe(false);
    expect((await readdir(join(root, "model"))).filter((name) => name.startsWith(".tmp-")).length).toBe(1);
    const rebuilt = await store.get("model", { seed: 9 }, writeModel);
    expect(rebuilt.cached).toBe(false);
    expect(await readdir(join(root, "model"))).toEqual([path.split("/").at(-1)!]);
    expect(await store.has("model", { seed: 9 })).toBe(true);
  });

  test("getJson computes once and returns the parsed value both times", async () => {
    const store = new ArtifactStore(root, recorder());
    let calls = 0;
    const compute = async () => {
      calls += 1;
      return { accuracy: 0.875, edges: [["a", "b"]] };
    };
    const first = await store.getJson("result", { split: "ft" }, compute);
    const second = await store.getJson("result", { split: "ft" }, compute);
    expect(calls).toBe(1);
    expect(second.value).toEqual({ accuracy: 0.875, edges: [["a", "b"]] });
    expect(second.cached).toBe(true);
    expect(first.path).toBe(second.path);
  });

  test("refuses a kind that would not make a safe folder name", () => {
    const store = new ArtifactStore(root, recorder());
    expect(() => store.locate("../escape", {})).toThrow("artifact kind");
    expect(() => store.locate("table", {}, { extension: "/json" })).toThrow("artifact extension");
  });
});
