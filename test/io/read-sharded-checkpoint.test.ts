import { describe, expect, test } from "bun:test";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { readTensor } from "../../src/io/read-safetensors.ts";
import { openShardedCheckpoint } from "../../src/io/read-sharded-checkpoint.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { shardFileName, writeShardedSafetensors } from "../../src/io/write-sharded-safetensors.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

function ramp(count: number, scale: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => (i - count / 2) * scale);
}

const TENSORS = [
  { name: "model.layers.0.self_attn.q_proj.weight", dtype: "F32", shape: [8, 8], data: ramp(64, 0.5) },
  { name: "model.layers.0.self_attn.k_proj.weight", dtype: "BF16", shape: [8, 8], data: ramp(64, 0.25) },
  { name: "model.layers.0.mlp.up_proj.weight", dtype: "F16", shape: [16, 8], data: ramp(128, 0.125) },
  { name: "model.norm.weight", dtype: "F32", shape: [8], data: ramp(8, 1) },
] as const;

describe("sharded checkpoints", () => {
  test("write in shards → read through the index gives back every tensor", async () => {
    const folder = temporaryFolder("mother-read-sharded-checkpoint-");
    const files = await writeShardedSafetensors(folder, TENSORS, 300);
    expect(files).toEqual([shardFileName(1, 3), shardFileName(2, 3), shardFileName(3, 3)]);
    expect(files[0]).toBe("model-00001-of-00003.safetensors");
    const index = JSON.parse(await Bun.file(join(folder, "model.safetensors.index.json")).text());
    expect(index.metadata.total_size).toBe(64 * 4 + 64 * 2 + 128 * 2 + 8 * 4);
    const tensors = await openShardedCheckpoint(join(folder, "model.safetensors.index.json"));
    expect(tensors.map((t) => t.name).sort()).toEqual(TENSORS.map((t) => t.name).sort());
    expect(new Set(tensors.map((t) => t.file)).size).toBe(3);
    for (const original of TENSORS) {
      const info = tensors.find((t) => t.name === original.name)!;
      expect(info.dtype).toBe(original.dtype);
      expect([...(await readTensor(info))]).toEqual([...original.data]); // ramp values are exact in f16/bf16
    }
  });

  test("a shard named in the index but missing on disk is an error naming the index and shard", async () => {
    const folder = temporaryFolder("mother-read-sharded-checkpoint-");
    const [first] = await writeShardedSafetensors(folder, TENSORS, 300);
    await rm(join(folder, first!));
    const index = join(folder, "model.safetensors.index.json");
    const error = await openShardedCheckpoint(index).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as Error).message).toStartWith(`${index}: shard ${first} named in weight_map does not exist`);
  });

  test("an index mapping a tensor to a shard that does not hold it is an error", async () => {
    const folder = temporaryFolder("mother-read-sharded-checkpoint-");
    await writeSafetensors(join(folder, "part-a.safetensors"), [{ name: "w", dtype: "F32", shape: [2], data: new Float32Array(2) }]);
    const index = join(folder, "model.safetensors.index.json");
    await writeFile(index, JSON.stringify({ metadata: {}, weight_map: { w: "part-a.safetensors", ghost: "part-a.safetensors" } }));
    await expect(openShardedCheckpoint(index)).rejects.toThrow(`${index}: tensor ghost is mapped to part-a.safetensors but that shard does not hold it`);
  });

  test("a shard tensor the index omits is still read, with a note naming the index and the tensor", async () => {
    const folder = temporaryFolder("mother-read-sharded-checkpoint-");
    // Two shards: q_proj and k_proj share the first, so the index still names it.
    expect(await writeShardedSafetensors(folder, TENSORS, 400)).toHaveLength(2);
    const index = join(folder, "model.safetensors.index.json");
    const parsed = JSON.parse(await Bun.file(index).text());
    delete parsed.weight_map["model.layers.0.self_attn.k_proj.weight"];
    await writeFile(index, JSON.stringify(parsed));
    const notes: string[] = [];
    const tensors = await openShardedCheckpoint(index, { note: (note) => notes.push(note) });
    // Leaving it out would move the model into another architecture group than its siblings'.
    expect(tensors.map((t) => t.name).sort()).toEqual(TENSORS.map((t) => t.name).sort());
    expect(notes).toHaveLength(1);
    expect(notes[0]).toStartWith(`${index}: `);
    expect(notes[0]).toContain("model.layers.0.self_attn.k_proj.weight");
  });

  test("a shard file the index never names (all its tensors omitted) is noted, naming the index and the file", async () => {
    const folder = temporaryFolder("mother-read-sharded-checkpoint-");
    const files = await writeShardedSafetensors(folder, TENSORS, 300);
    const index = join(folder, "model.safetensors.index.json");
    const parsed = JSON.parse(await Bun.file(index).text());
    const orphan = parsed.weight_map["model.layers.0.self_attn.k_proj.weight"];
    expect(Object.values(parsed.weight_map).filter((shard) => shard === orphan)).toHaveLength(1);
    delete parsed.weight_map["model.layers.0.self_attn.k_proj.weight"];
    await writeFile(index, JSON.stringify(parsed));
    const notes: string[] = [];
    await openShardedCheckpoint(index, { note: (note) => notes.push(note) });
    expect(files).toContain(orphan);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toStartWith(`${index}: `);
    expect(notes[0]).toContain(orphan);
  });

  test("an index that is not JSON or has no weight_map is an error", async () => {
    const folder = temporaryFolder("mother-read-sharded-checkpoint-");
    const index = join(folder, "model.safetensors.index.json");
    await writeFile(index, "{");
    await expect(openShardedCheckpoint(index)).rejects.toThrow(`${index}: shard index is not JSON`);
    await writeFile(index, JSON.stringify({ metadata: {} }));
    await expect(openShardedCheckpoint(index)).rejects.toThrow(`${index}: shard index has no weight_map object`);
    await writeFile(index, JSON.stringify({ weight_map: { w: "../elsewhere.safetensors" } }));
    await expect(openShardedCheckpoint(index)).rejects.toThrow(/weight_map entry for w is not a shard file name in the same folder/);
  });
});
