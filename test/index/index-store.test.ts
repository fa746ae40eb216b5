import { describe, expect, test } from "bun:test";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import type { Fingerprint } from "../../src/index/fingerprint.ts";
import { compact, decodeSegment, encodeSegment, loadIndex, SEGMENTS, writeSegment } from "../../src/index/index-store.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-index-store-");

function fingerprint(path: string, seed: number): Fingerprint {
  const layers = [
    { name: "q", kind: "query" as const, shape: [2, 2], distance: true, score: true },
    { name: "up", kind: "mlp-in" as const, shape: [8, 2], distance: false, score: true },
  ];
  const stats = layers.map((_, l) => ({ count: 4, mean: seed + l, variance: 1, skewness: 0, kurtosis: 3 + l, min: -1, max: 1, entropy: Number.NaN }));
  return {
    id: path.split("/").at(-1)!,
    path,
    files: [[`${path}/model.safetensors`, 100 + seed, 1234.5]],
    checksum: seed.toString(16).padStart(16, "0"),
    version: 1,
    format: "safetensors",
    architecture: "arch",
    layers,
    stats,
    samples: Float32Array.from({ length: 128 }, (_, i) => seed + i / 128),
  };
}

describe("index segments", () => {
  test("a segment round-trips every field, NaN included", () => {
    const original = fingerprint("/m/a", 3);
    const bytes = encodeSegment([original, { removed: "/m/gone" }]);
    const name = `seg-1-${Bun.hash.wyhash(bytes, 0n).toString(16).padStart(16, "0")}.arrow`;
    const [row, removal] = decodeSegment(bytes, name);
    expect(row).toEqual(original);
    expect(removal).toEqual({ removed: "/m/gone" });
  });

  test("later segments replace and remove entries; loading sees the result", async () => {
    const index = join(dir, "layers");
    await writeSegment(index, [fingerprint("/m/a", 1), fingerprint("/m/b", 2)]);
    await Bun.sleep(2);
    await writeSegment(index, [fingerprint("/m/a", 5), { removed: "/m/b" }, fingerprint("/m/c", 6)]);
    const loaded = await loadIndex(index);
    expect([...loaded.entries.keys()].sort()).toEqual(["/m/a", "/m/c"]);
    expect(loaded.entries.get("/m/a")!.checksum).toBe(fingerprint("/m/a", 5).checksum);
    expect(loaded.bad).toEqual([]);
    await compact(index, loaded.entries.values(), loaded.segments);
    expect((await readdir(join(index, SEGMENTS))).length).toBe(1);
    expect((await loadIndex(index)).entries).toEqual(loaded.entries);
  });

  test("a segments folder that cannot be made (a file in its place) is one output error naming the index, whose hint is not to free space", async () => {
    const index = join(dir, "blocked");
    await mkdir(index, { recursive: true });
    await writeFile(join(index, SEGMENTS), "not a folder");
    const error = await writeSegment(index, [fingerprint("/m/a", 1)]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MotherError);
    const { file, problem, detail, code } = error as MotherError;
    expect([file, problem, code]).toEqual([index, "cannot write an index segment", "output"]);
    expect(detail?.value).not.toBe("ENOSPC");
    expect(detail?.help).toContain("make the index folder writable again");
    expect(detail?.help).not.toContain("free space");
  });

  test("a truncated segment, an altered byte and a foreign file are reported, and nothing is taken from them", async () => {
    for (const damage of ["truncate", "flip", "foreign"] as const) {
      const index = join(dir, damage);
      await writeSegment(index, [fingerprint("/m/keep", 1)]);
      const file = await writeSegment(index, [fingerprint("/m/x", 2)]);
      const bytes = new Uint8Array(await readFile(file));
      if (damage === "truncate") await writeFile(file, bytes.subarray(0, bytes.length - 40));
      if (damage === "flip") {
        bytes[Math.floor(bytes.length / 2)]! ^= 1;
        await writeFile(file, bytes);
      }
      if (damage === "foreign") await writeFile(join(index, SEGMENTS, "notes.arrow"), "hello");
      const loaded = await loadIndex(index);
      expect(loaded.bad.length).toBe(1);
      expect(loaded.entries.has("/m/keep")).toBe(true);
      if (damage !== "foreign") expect(loaded.entries.has("/m/x")).toBe(false);
    }
  });

  test("a missing folder is an empty index", async () => {
    const loaded = await loadIndex(join(dir, "nothing-here"));
    expect(loaded.entries.size).toBe(0);
  });
});
