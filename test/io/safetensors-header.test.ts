import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { MotherError } from "../../src/errors.ts";
import {
  emptyTensors,
  MAX_HEADER_BYTES,
  MAX_HEADER_VALUES,
  MAX_TENSORS_PER_FILE,
  parseRepeatedHeader,
  parseSafetensorsHeader,
} from "../../src/io/safetensors-header.ts";

const FILE = "/models/broken.safetensors";

/** Parse `header` as if it sat in a file with `dataBytes` bytes of tensor data after it. */
function parse(header: object | string, dataBytes: number) {
  const bytes = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  return parseSafetensorsHeader(bytes, FILE, 8 + bytes.byteLength + dataBytes, bytes.byteLength);
}

function expectMotherError(run: () => unknown, problem: RegExp): MotherError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MotherError);
  const error = caught as MotherError;
  expect(error.message.startsWith(`${FILE}: `)).toBe(true);
  expect(error.message).toMatch(problem);
  return error;
}

describe("parseSafetensorsHeader", () => {
  test("reads tensors with absolute offsets, metadata, and skips integer tensors", () => {
    const header = {
      __metadata__: { format: "pt" },
      "a.weight": { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] },
      "a.bias": { dtype: "BF16", shape: [3], data_offsets: [24, 30] },
      position_ids: { dtype: "I64", shape: [1, 2], data_offsets: [30, 46] },
      empty: { dtype: "F16", shape: [0], data_offsets: [46, 46] },
    };
    const parsed = parse(header, 46);
    const dataStart = 8 + JSON.stringify(header).length;
    expect(parsed.metadata).toEqual({ format: "pt" });
    expect(parsed.tensors.map((t) => [t.name, t.dtype, t.offset, t.byteLength, t.file])).toEqual([
      ["a.weight", "F32", dataStart, 24, FILE],
      ["a.bias", "BF16", dataStart + 24, 6, FILE],
    ]);
    expect(parsed.tensors[0]!.shape).toEqual([2, 3]);
    expect(parsed.skipped).toEqual([
      { name: "position_ids", dtype: "I64", shape: [1, 2] },
      { name: "empty", dtype: "F16", shape: [0] },
    ]);
  });

  test("empty tensors (a dimension of 0, e.g. [0, 64]) are valid and skipped, never read as weights", () => {
    const parsed = parse(
      { "a.weight": { dtype: "F32", shape: [0, 64], data_offsets: [0, 0] }, "b.weight": { dtype: "F32", shape: [1], data_offsets: [0, 4] } },
      4,
    );
    expect(parsed.tensors.map((t) => t.name)).toEqual(["b.weight"]);
    expect(parsed.skipped).toEqual([{ name: "a.weight", dtype: "F32", shape: [0, 64] }]);
    expect(emptyTensors(parsed.skipped).map((t) => t.name)).toEqual(["a.weight"]);
  });

  test("a header describing more tensors than MAX_TENSORS_PER_FILE is refused before it is parsed, naming the limit", () => {
    const entries = Array.from({ length: MAX_TENSORS_PER_FILE + 1 }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const error = expectMotherError(() => parse(`{${entries.join(",")}}`, 0), /too many/);
    expect(error.message).toContain(`limit ${MAX_TENSORS_PER_FILE}`);
  });

  test("a header of more JSON values than MAX_HEADER_VALUES (one huge shape list) is refused before it is parsed", () => {
    const shape = Array.from({ length: MAX_HEADER_VALUES + 1 }, () => 1).join(",");
    const error = expectMotherError(() => parse(`{"t":{"dtype":"F32","shape":[${shape}],"data_offsets":[0,4]}}`, 4), /too many/);
    expect(error.message).toContain(`limit ${MAX_HEADER_VALUES}`);
  });

  test("a big but plausible header (10 000 tensors) still parses", () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => `"t${i}":{"dtype":"F32","shape":[1],"data_offsets":[${4 * i},${4 * i + 4}]}`);
    expect(parse(`{"__metadata__":{"config":"{\\"a\\": [1, 2, {}]}"},${entries.join(",")}}`, 40_000).tensors).toHaveLength(10_000);
  });

  test("scalar tensors (shape []) hold one element", () => {
    expect(parse({ s: { dtype: "F64", shape: [], data_offsets: [0, 8] } }, 8).tensors[0]!.byteLength).toBe(8);
  });

  test("rejects a header that is not JSON", () => {
    expectMotherError(() => parse("{not json", 0), /header is not JSON/);
  });

  test("rejects a JSON header that is not an object", () => {
    expectMotherError(() => parse("[1,2]", 0), /not a JSON object \(array\)/);
  });

  test("rejects a header length over the cap", () => {
    const error = expectMotherError(() => parseSafetensorsHeader(new Uint8Array(0), FILE, 1e12, MAX_HEADER_BYTES + 1), /header length over the cap/);
    expect(error.message).toContain(`limit ${MAX_HEADER_BYTES}`);
  });

  test("rejects a header length larger than the file", () => {
    expectMotherError(() => parseSafetensorsHeader(new TextEncoder().encode("{}"), FILE, 9, 2), /truncated file: header length runs past the end/);
  });

  test("rejects overlapping data_offsets naming both tensors", () => {
    const error = expectMotherError(
      () => parse({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] }, b: { dtype: "F32", shape: [2], data_offsets: [8, 16] } }, 16),
      /overlapping data_offsets/,
    );
    expect(error.message).toContain("tensors a and b");
  });

  test("rejects offsets past the end of the data section", () => {
    expectMotherError(() => parse({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, 12), /tensor a runs past the end.*limit 12 data bytes/);
  });

  test("rejects begin > end", () => {
    expectMotherError(() => parse({ a: { dtype: "F32", shape: [0], data_offsets: [8, 4] } }, 16), /tensor a has data_offsets begin > end \(\[8, 4\]\)/);
  });

  test("rejects shape × dtype size that differs from the byte range", () => {
    expectMotherError(
      () => parse({ w: { dtype: "F16", shape: [2, 3], data_offsets: [0, 24] } }, 24),
      /tensor w: shape × dtype size does not match.*12 bytes.*24 bytes/,
    );
  });

  test("rejects a dtype that is not a safetensors dtype, naming tensor and dtype", () => {
    expectMotherError(() => parse({ w: { dtype: "F128", shape: [1], data_offsets: [0, 16] } }, 16), /tensor w has an unknown dtype \(F128/);
  });

  test("rejects malformed entries and metadata", () => {
    expectMotherError(() => parse({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4), /shape is not a list of non-negative integers/);
    expectMotherError(() => parse({ w: { dtype: "F32", shape: [1], data_offsets: [0] } }, 4), /data_offsets is not a pair/);
    expectMotherError(() => parse({ w: 3 }, 4), /entry is not a JSON object/);
    expectMotherError(() => parse({ __metadata__: { epoch: 3 } }, 0), /__metadata__ value for epoch is not a string/);
  });

  test("rejects invalid UTF-8", () => {
    expect(() => parseSafetensorsHeader(new Uint8Array([0x7b, 0xff, 0x7d]), FILE, 11, 3)).toThrow(/not valid UTF-8/);
  });

  test("any JSON header either parses or fails with a MotherError, never another exception", () => {
    const entry = fc.record({
      dtype: fc.oneof(fc.constantFrom("F32", "F16", "BF16", "F64", "I64", "U8", "F8_E4M3", "F4"), fc.jsonValue()),
      shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 3 }), fc.jsonValue()),
      data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -2, max: 64 }), fc.integer({ min: -2, max: 64 })), fc.jsonValue()),
    });
    const header = fc.dictionary(fc.oneof(fc.string(), fc.constant("__metadata__")), fc.oneof(entry, fc.jsonValue()), { maxKeys: 5 });
    fc.assert(
      fc.property(header, fc.integer({ min: 0, max: 64 }), (value, dataBytes) => {
        try {
          const parsed = parse(value, dataBytes);
          for (const tensor of parsed.tensors)
            expect(tensor.offset + tensor.byteLength).toBeLessThanOrEqual(8 + new TextEncoder().encode(JSON.stringify(value)).byteLength + dataBytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MotherError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseRepeatedHeader", () => {
  const header = {
    __metadata__: { format: "pt" },
    "a.weight": { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] },
    ids: { dtype: "I64", shape: [2], data_offsets: [24, 40] },
  };
  const bytes = new TextEncoder().encode(JSON.stringify(header));
  const size = 8 + bytes.byteLength + 40;

  test("a header repeated byte for byte says what a fresh parse says, naming each call's own file", () => {
    for (const file of ["/a/model.safetensors", "/b/model.safetensors", "/c/model.safetensors"])
      expect(parseRepeatedHeader(bytes, file, size, bytes.byteLength)).toEqual(parseSafetensorsHeader(bytes, file, size, bytes.byteLength));
  });

  test("every call returns fresh objects: changing one result leaves the next alone", () => {
    const first = parseRepeatedHeader(bytes, "/a/model.safetensors", size, bytes.byteLength);
    first.tensors.push(first.tensors[0]!);
    first.skipped.length = 0;
    first.metadata.format = "changed";
    const second = parseRepeatedHeader(bytes, "/b/model.safetensors", size, bytes.byteLength);
    expect(second).toEqual(parseSafetensorsHeader(bytes, "/b/model.safetensors", size, bytes.byteLength));
  });

  test("the same bytes in a shorter file are checked again (the tensor past the data is refused), then a good file parses", () => {
    parseRepeatedHeader(bytes, "/a/model.safetensors", size, bytes.byteLength);
    expect(() => parseRepeatedHeader(bytes, FILE, size - 1, bytes.byteLength)).toThrow(/past the end|past/);
    expect(parseRepeatedHeader(bytes, "/c/model.safetensors", size, bytes.byteLength).tensors[0]!.file).toBe("/c/model.safetensors");
  });

  test("a header differing by one byte is parsed again, and a corrupt one after a good one still fails with its own error", () => {
    parseRepeatedHeader(bytes, "/a/model.safetensors", size, bytes.byteLength);
    const other = new TextEncoder().encode(JSON.stringify(header).replace('"pt"', '"px"'));
    expect(parseRepeatedHeader(other, "/b/model.safetensors", size, other.byteLength).metadata).toEqual({ format: "px" });
    const broken = new TextEncoder().encode(JSON.stringify(header).replace("[0,24]", "[0,20]"));
    expectMotherError(() => parseRepeatedHeader(broken, FILE, size, broken.byteLength), /bytes/);
  });
});
