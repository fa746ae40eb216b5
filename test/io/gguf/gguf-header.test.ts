/**
 * Corrupt GGUF files: each gives one MotherError naming the file and the problem, before any
 * allocation a lying header asks for.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { truncate } from "node:fs/promises";
import { MotherError } from "../../../src/errors.ts";
import { openGgufFile } from "../../../src/io/gguf/read-gguf.ts";
import { parseGgufHeader } from "../../../src/io/gguf/gguf-header.ts";
import { readTensor } from "../../../src/io/read-safetensors.ts";
import { writeGguf } from "../../../src/io/gguf/write-gguf.ts";
import { join } from "node:path";
import { writeCrafted } from "../craft-safetensors.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";
import { craftGguf, validGguf } from "./craft-gguf.ts";

async function fileOf(bytes: Uint8Array): Promise<string> {
  return writeCrafted(temporaryFolder("mother-gguf-header-"), "model.gguf", bytes);
}

async function expectRefused(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const file = await fileOf(bytes);
  const error = await openGgufFile(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MotherError);
  expect((error as MotherError).message.startsWith(`${file}: `)).toBe(true);
  expect((error as MotherError).message).toMatch(pattern);
  expect((error as MotherError).message).not.toContain("\n");
}

describe("GGUF header checks", () => {
  test("the valid crafted file reads", async () => {
    const model = await openGgufFile(await fileOf(validGguf()));
    expect(model.tensors.map((t) => [t.name, t.shape])).toEqual([
      ["a.weight", [2, 4]],
      ["b.weight", [1, 32]],
    ]);
    expect((await readTensor(model.tensors[0]!))[0]).toBe(1.5);
    expect((await readTensor(model.tensors[1]!))[0]).toBe(5);
  });

  test("bad magic", () => expectRefused(validGguf({ magic: 0x46554746 }), /not a GGUF file: wrong magic \(0x46554746, limit 0x46554747/));

  test("unsupported versions", async () => {
    await expectRefused(validGguf({ version: 1 }), /unsupported GGUF version \(1, limit 2 or 3\)/);
    await expectRefused(validGguf({ version: 4 }), /unsupported GGUF version \(4/);
  });

  test("a tensor count that lies", () =>
    expectRefused(validGguf({ tensorCount: 1n << 40n }), /GGUF tensor count is larger than the file can hold \(1099511627776, limit \d+\)/));

  test("a metadata count that lies", () => expectRefused(validGguf({ kvCount: 1n << 50n }), /GGUF metadata count is larger than the file can hold/));

  test("a string length past the end of the file", () =>
    expectRefused(validGguf({ keyLength: 1n << 33n }), /truncated GGUF header: metadata key 0 \(8589934592 bytes\) runs past the end of the file/));

  test("a string length past 2^53 reads as 2^53 − 1 bytes (no real file is that long)", async () => {
    await expectRefused(validGguf({ keyLength: (1n << 53n) - 1n }), /metadata key 0 \(9007199254740991 bytes\) runs past the end/);
    await expectRefused(validGguf({ keyLength: 1n << 53n }), /metadata key 0 \(9007199254740991 bytes\) runs past the end/);
    await expectRefused(validGguf({ keyLength: (1n << 64n) - 1n }), /metadata key 0 \(9007199254740991 bytes\) runs past the end/);
    await expectRefused(validGguf({ keyLength: (1n << 53n) - 2n }), /metadata key 0 \(9007199254740990 bytes\) runs past the end/);
  });

  test("a tensor offset that lies (past the end)", () =>
    expectRefused(
      validGguf({ tensors: [{ name: "a.weight", dims: [4, 2], typeId: 0, offset: 1 << 20 }] }),
      /GGUF tensor a\.weight data runs past the end of the file/,
    ));

  test("a misaligned offset, and overlapping tensors", async () => {
    await expectRefused(
      validGguf({ tensors: [{ name: "a.weight", dims: [4, 2], typeId: 0, offset: 4 }] }),
      /offset is not aligned \(4, limit multiple of 32\)/,
    );
    await expectRefused(
      validGguf({
        tensors: [
          { name: "a.weight", dims: [16, 2], typeId: 0, offset: 0 },
          { name: "b.weight", dims: [32, 1], typeId: 8, offset: 32 },
        ],
        data: new Uint8Array(256),
      }),
      /GGUF tensor b\.weight overlaps tensor a\.weight/,
    );
  });

  test("an unknown ggml type, and one mother knows but does not decode", async () => {
    await expectRefused(validGguf({ tensors: [{ name: "a.weight", dims: [4, 2], typeId: 99, offset: 0 }] }), /a ggml type mother does not decode \(type 99/);
    await expectRefused(validGguf({ tensors: [{ name: "a.weight", dims: [256, 1], typeId: 16, offset: 0 }] }), /does not decode \(IQ2_XXS/);
  });

  test("rows that are not whole blocks", () =>
    expectRefused(
      validGguf({ tensors: [{ name: "b.weight", dims: [16, 2], typeId: 8, offset: 32 }] }),
      /row length is not a whole number of blocks \(16, limit multiple of 32\)/,
    ));

  test("truncated data: cut in the data section, or cut in the header", async () => {
    const bytes = validGguf();
    await expectRefused(bytes.subarray(0, bytes.length - 10), /GGUF tensor b\.weight data runs past the end of the file/);
    await expectRefused(bytes.subarray(0, 40), /truncated GGUF header: metadata key 0 \(20 bytes\) runs past the end/);
    await expectRefused(new Uint8Array(2), /truncated GGUF header: magic runs past the end/);
  });

  test("a file cut short after it was opened fails the read naming the tensor", async () => {
    const file = await fileOf(validGguf());
    const model = await openGgufFile(file);
    await truncate(file, (await Bun.file(file).size) - 10);
    expect(readTensor(model.tensors[1]!)).rejects.toThrow(/truncated file: GGUF tensor b\.weight is cut short/);
  });

  test("a rank of zero or above four", () =>
    expectRefused(validGguf({ tensors: [{ name: "a.weight", dims: [1, 1, 1, 1, 8], typeId: 0, offset: 0 }] }), /impossible dimension count \(5/));

  test("one shard of a split GGUF", async () => {
    const file = join(temporaryFolder("mother-gguf-header-"), "model-00001-of-00003.gguf");
    await writeGguf(file, { "split.count": 3 }, [{ name: "w", shape: [1, 32], type: "Q8_0", data: new Float32Array(32) }]);
    expect(openGgufFile(file)).rejects.toThrow(/one shard of a split GGUF, which mother does not join \(3 shards\); help: merge the shards first/);
  });

  test("a bad general.alignment", () =>
    expectRefused(craftGguf({ metadata: [["general.alignment", "x"]], tensors: [], data: new Uint8Array(0) }), /general\.alignment is not a power of two/));
});

describe("GGUF strings", () => {
  /** A crafted header whose one metadata value's bytes are `raw` (written over a placeholder of the same length). */
  function withValue(raw: Uint8Array): Uint8Array {
    const bytes = craftGguf({ metadata: [["x.value", "~".repeat(raw.length)]], tensors: [], data: new Uint8Array(0) });
    // The key's bytes, then its u32 value type and u64 length, then the value.
    bytes.set(raw, Buffer.from(bytes).indexOf("x.value") + "x.value".length + 4 + 8);
    return bytes;
  }

  test("decode as TextDecoder does: bad bytes replaced alike, a leading byte-order mark dropped", () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0xc3, 0xa9]);
    expect(parseGgufHeader(withValue(bom), "x.gguf", withValue(bom).length).metadata.get("x.value")).toBe("Aé");
    const awkward = fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xc3, 0xe0, 0xed, 0xef, 0xbb, 0xf0, 0xf4, 0xf5, 0xff);
    fc.assert(
      fc.property(fc.array(fc.oneof(awkward, fc.integer({ min: 0, max: 255 })), { maxLength: 16 }), (values) => {
        const raw = Uint8Array.from(values);
        const bytes = withValue(raw);
        expect(parseGgufHeader(bytes, "x.gguf", bytes.length).metadata.get("x.value")).toBe(new TextDecoder().decode(raw));
      }),
      { numRuns: 2000, seed: 12 },
    );
  });

  test("arrays walked, not made (keepArrays false): the same tensors and other values, arrays empty, a lying string length still refused", async () => {
    const file = join(temporaryFolder("mother-gguf-header-"), "arrays.gguf");
    await writeGguf(file, { "general.architecture": "llama", "tokenizer.ggml.tokens": ["a", "bc", "déf"], "x.after": 9 }, [
      { name: "w", shape: [2, 32], type: "Q8_0", data: new Float32Array(64) },
    ]);
    const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
    const [kept, walked] = [parseGgufHeader(bytes, file, bytes.length), parseGgufHeader(bytes, file, bytes.length, false)];
    expect(walked.tensors).toEqual(kept.tensors);
    expect(walked.dataStart).toBe(kept.dataStart);
    expect(Object.fromEntries(walked.metadata)).toEqual({ ...Object.fromEntries(kept.metadata), "tokenizer.ggml.tokens": [] });
    expect(kept.metadata.get("tokenizer.ggml.tokens")).toEqual(["a", "bc", "déf"]);
    // The third string's length (3 bytes "déf" is 4) made to run past the end of the file.
    const third = Buffer.from(bytes).indexOf("déf") - 8;
    bytes.set([0xff, 0xff, 0xff, 0x7f], third);
    expect(() => parseGgufHeader(bytes, file, bytes.length, false)).toThrow(/tokenizer\.ggml\.tokens \(\d+ bytes\) runs past the end of the file/);
  });
});
