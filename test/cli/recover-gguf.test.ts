/**
 * `mother recover` on sets holding GGUF files: a GGUF copy is read beside safetensors models, and
 * a corrupt GGUF gives one line naming the file, exit 1, and no output file.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeGgufFromHf } from "../../src/io/gguf/write-gguf.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { validGguf } from "../io/gguf/craft-gguf.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-cli-gguf-");
let good: string;

/** The CLI as a user runs it, its default layer cache in the test's folder. */
const mother = (...args: string[]) => runMother(args, { cacheHome: join(dir, "xdg-cache") });

beforeAll(async () => {
  good = join(dir, "good");
  await writeSyntheticTrees(good, [{ root: "r", children: 2, grandchildren: 0 }], { seed: 9 });
  const tensors = await openSafetensorsFile(join(good, "r-c0", "model.safetensors"));
  const hf = await Promise.all(tensors.map(async (t) => ({ name: t.name, shape: t.shape, data: await readTensor(t) })));
  await writeGgufFromHf(join(good, "r-c0-q8", "r-c0.Q8_0.gguf"), hf, { type: "Q8_0", headCount: 2 });
});

describe("mother recover with GGUF files", () => {
  test("a Q8_0 GGUF copy is a quantized child of its source, format gguf", async () => {
    const run = await mother("recover", good, "--quiet");
    expect(run.code).toBe(0);
    const graph = JSON.parse(run.stdout);
    expect(graph.edges.find((e: { child: string }) => e.child === "r-c0-q8")).toMatchObject({ parent: "r-c0", type: "quantized" });
    expect(graph.models.find((m: { id: string }) => m.id === "r-c0-q8").format).toBe("gguf");
  }, 60_000);

  const cases: [string, () => Uint8Array | Promise<Uint8Array>, RegExp][] = [
    ["bad magic", () => validGguf({ magic: 0x12345678 }), /not a GGUF file: wrong magic/],
    [
      "a lying tensor offset",
      () => validGguf({ tensors: [{ name: "a.weight", dims: [4, 2], typeId: 0, offset: 1 << 24 }] }),
      /data runs past the end of the file/,
    ],
    [
      "an unknown ggml type",
      () => validGguf({ tensors: [{ name: "a.weight", dims: [4, 2], typeId: 77, offset: 0 }] }),
      /ggml type mother does not decode \(type 77/,
    ],
    ["truncated data", () => validGguf().subarray(0, validGguf().length - 8), /data runs past the end of the file/],
    ["a tensor count that lies", () => validGguf({ tensorCount: 1n << 48n }), /tensor count is larger than the file can hold/],
    ["a metadata count that lies", () => validGguf({ kvCount: 1n << 48n }), /metadata count is larger than the file can hold/],
    ["a string length past the file", () => validGguf({ keyLength: 1n << 40n }), /runs past the end of the file/],
    ["an unsupported version", () => validGguf({ version: 7 }), /unsupported GGUF version \(7/],
  ];
  test.each(cases)(
    "%s gives one line naming the file, exit 1, and no output file",
    async (name, bytes, problem) => {
      const set = join(dir, name.replaceAll(" ", "-"));
      await cp(good, set, { recursive: true });
      const file = join(set, "broken", "broken.gguf");
      await mkdir(join(set, "broken"));
      await writeFile(file, await bytes());
      const out = join(dir, `out-${Math.random().toString(36).slice(2)}.json`);
      const run = await mother("recover", set, "--out", out, "--quiet");
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]!).toContain(`${file}: `);
      expect(lines[0]!).toMatch(problem);
      expect(existsSync(out)).toBe(false);
    },
    60_000,
  );
});
