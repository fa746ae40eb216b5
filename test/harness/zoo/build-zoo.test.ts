import { describe, expect, test } from "bun:test";
import { mkdir, readdir, readlink, realpath, symlink } from "node:fs/promises";
import { join } from "node:path";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { attachAdapters } from "../../../src/io/peft/attach-adapters.ts";
import { readTensor } from "../../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import { buildZoo } from "../../../src/harness/zoo/build-zoo.ts";
import { crossCheckGguf } from "../../../src/harness/zoo/cross-check-gguf.ts";
import { ZooBuilder } from "../../../src/harness/zoo/zoo-members.ts";
import { makeUniform } from "../../../src/recover/seeded-random.ts";
import { silentProgress } from "../../../src/ui/progress.ts";
import type { Artifact } from "../../../src/harness/artifact-store.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-build-zoo-");

const Q = "model.layers.0.self_attn.q_proj.weight";
const MLP = "model.layers.0.mlp.up_proj.weight";

/** A "trained" checkpoint folder: q_proj and up_proj 64 × 64 (whole Q8_0 blocks). */
async function checkpoint(name: string, q: Float32Array | Float64Array, up: Float32Array | Float64Array): Promise<Artifact> {
  const path = join(dir, "trained", name);
  await writeSafetensors(join(path, "model.safetensors"), [
    { name: Q, dtype: "F32", shape: [64, 64], data: q },
    { name: MLP, dtype: "F32", shape: [64, 64], data: up },
  ]);
  return { kind: "model", key: `key-${name}`, path, cached: true, bytes: 0 };
}

describe("buildZoo", () => {
  test("publishes every member as a hub user downloads it; recovery's reader sees each one with its format", async () => {
    const [q, up] = [makeUniform(4096, 1), makeUniform(4096, 2)];
    const rankOne = Float32Array.from(q, (v, i) => v + 0.01 * (Math.floor(i / 64) % 5) * ((i % 64) % 3));
    const trained = new Map([
      ["root", await checkpoint("root", q, up)],
      [
        "full",
        await checkpoint(
          "full",
          Float32Array.from(q, (v, i) => v + 0.01 * Math.sin(i)),
          Float32Array.from(up, (v, i) => v + 0.01 * Math.cos(i)),
        ),
      ],
      ["lora", await checkpoint("lora", rankOne, up)],
    ]);
    const zoo = new ZooBuilder();
    zoo.add({ id: "root", tree: "root", make: "trained" });
    zoo.add({ id: "full", tree: "root", make: "trained", parent: "root" });
    zoo.add({ id: "lora", tree: "root", make: "trained", parent: "root", lora: { rank: 1, alpha: 1, targets: ["q_proj"] }, adapterFolder: true });
    zoo.add({ id: "full.Q8_0", tree: "root", make: "gguf", source: "full", type: "Q8_0" });
    zoo.add({ id: "full.int8", tree: "root", make: "copy", source: "full", kind: "int8" });
    zoo.add({ id: "merge", tree: "root", make: "merge", parents: ["full", "lora"], method: { kind: "linear", weights: [1, 1] } });
    const plan = zoo.plan();
    const options = { cache: join(dir, "cache"), progress: silentProgress, workers: 1 };
    const built = await buildZoo(plan, trained, options);
    expect(built.fresh).toBe(4); // the GGUF file, the int8 copy, the merge, the adapter folder
    expect(built.gguf).toEqual({ files: 1, problems: [] });
    expect((await readdir(built.release)).sort()).toEqual(["full", "full.Q8_0", "full.int8", "lora", "merge", "root"]);
    expect((await buildZoo(plan, trained, options)).fresh).toBe(0);

    const { models, unattached } = await attachAdapters(await discoverModels([built.release]));
    expect(unattached).toEqual([]);
    const formats = Object.fromEntries(models.map((m) => [m.id, m.format ?? "safetensors"]));
    expect(formats).toEqual({ full: "safetensors", "full.Q8_0": "gguf", "full.int8": "safetensors", lora: "peft", merge: "safetensors", root: "safetensors" });
    // The adapter folder attached to its base reads back as the trained LoRA model.
    const lora = models.find((m) => m.id === "lora")!;
    expect(lora.base).toBe("root");
    const values = await readTensor(lora.tensors.find((t) => t.name === Q)!);
    values.forEach((v, i) => expect(v).toBeCloseTo(rankOne[i]!, 5));

    // The cross-check can fail: a tensor our reader placed elsewhere, or typed otherwise, is named.
    const copy = models.find((m) => m.id === "full.Q8_0")!;
    expect(await crossCheckGguf(copy)).toBeUndefined();
    const [first, ...rest] = copy.tensors;
    const moved = { ...copy, tensors: [{ ...first!, offset: first!.offset + 32 }, ...rest] };
    expect(await crossCheckGguf(moved)).toContain(`${first!.name} at byte ${first!.offset + 32}`);
    const retyped = { ...copy, tensors: [{ ...first!, encoding: { ...first!.encoding!, ggmlType: "Q4_0" as const } }, ...rest] };
    expect(await crossCheckGguf(retyped)).toContain("is Q4_0 to us, Q8_0 to @huggingface/gguf");
  });

  test("the release links to where the members really are, not through a linked cache folder", async () => {
    const q = makeUniform(4096, 3);
    const trained = new Map([["base", await checkpoint("base", q, q)]]);
    const zoo = new ZooBuilder();
    zoo.add({ id: "base", tree: "base", make: "trained" });
    zoo.add({ id: "base.fp16", tree: "base", make: "copy", source: "base", kind: "fp16" });
    await mkdir(join(dir, "shared-cache"), { recursive: true });
    await symlink(join(dir, "shared-cache"), join(dir, "linked-cache"), "dir");
    const built = await buildZoo(zoo.plan(), trained, { cache: join(dir, "linked-cache"), progress: silentProgress, workers: 1 });
    const target = await readlink(join(built.release, "base.fp16"));
    expect(target.startsWith(await realpath(join(dir, "shared-cache")))).toBe(true);
    expect(await readlink(join(built.release, "base"))).toBe(await realpath(join(dir, "trained", "base")));
  });
});
