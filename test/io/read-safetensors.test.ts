import { describe, expect, test } from "bun:test";
import { mkdir, readFile, truncate } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { openSafetensorsFile, readSafetensorsHeader, readTensor, TensorScratch } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { craftSafetensors, f32Bytes, writeCrafted } from "./craft-safetensors.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

async function expectMotherError(run: () => Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MotherError);
  expect((error as MotherError).message.startsWith(`${file}: `)).toBe(true);
  expect((error as MotherError).message).toMatch(problem);
}

describe("write → read round trip", () => {
  test("every dtype reads back exactly when values are representable", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    const file = join(folder, "model.safetensors");
    const exact = [0, -0, 1, -2.5, 0.15625, 65504, 2 ** -24, -(2 ** -14)]; // each exactly representable in f16
    const bf16Exact = [0, 1, -2.5, 0.15625, 3.3895313892515355e38, 2 ** -133, 256, -3];
    const f64 = [Math.PI, -1e-300, 1e300, 0.1];
    await writeSafetensors(
      file,
      [
        { name: "f16", dtype: "F16", shape: [2, 4], data: new Float32Array(exact) },
        { name: "bf16", dtype: "BF16", shape: [8], data: new Float32Array(bf16Exact) },
        { name: "f32", dtype: "F32", shape: [4], data: new Float32Array([Math.PI, -1e-40, 3e38, 0.1]) },
        { name: "f64", dtype: "F64", shape: [2, 2], data: new Float64Array(f64) },
      ],
      { format: "pt" },
    );
    const { tensors, metadata } = await readSafetensorsHeader(file);
    expect(metadata).toEqual({ format: "pt" });
    const byName = new Map(tensors.map((t) => [t.name, t]));
    expect(byName.get("f16")!.shape).toEqual([2, 4]);
    expect([...(await readTensor(byName.get("f16")!))]).toEqual(exact);
    expect([...(await readTensor(byName.get("bf16")!))]).toEqual(bf16Exact);
    expect([...(await readTensor(byName.get("f32")!))]).toEqual([...new Float32Array([Math.PI, -1e-40, 3e38, 0.1])]);
    const f64Read = await readTensor(byName.get("f64")!);
    expect(f64Read).toBeInstanceOf(Float64Array);
    expect([...f64Read]).toEqual(f64);
  });

  test("F16 and BF16 round to nearest even on write", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    const file = join(folder, "rounding.safetensors");
    const values = new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 70000]);
    await writeSafetensors(file, [
      { name: "h", dtype: "F16", shape: [4], data: values },
      { name: "b", dtype: "BF16", shape: [3], data: new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -16]) },
    ]);
    const tensors = await openSafetensorsFile(file);
    const h = tensors.find((t) => t.name === "h")!;
    await expectMotherError(() => readTensor(h), file, /tensor h holds a non-finite weight \(Infinity at element 3/); // 70000 overflows f16
    const b = await readTensor(tensors.find((t) => t.name === "b")!);
    expect([...b]).toEqual([1, 1 + 2 ** -6, 1 + 2 ** -7]);
  });

  test("reads through a reused scratch give the same values for every dtype, growing as needed", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    const file = join(folder, "scratch.safetensors");
    const ramp = (count: number) => Float32Array.from({ length: count }, (_, i) => (i - 7) * 0.5);
    await writeSafetensors(file, [
      { name: "a-bf16-small", dtype: "BF16", shape: [4], data: ramp(4) },
      { name: "b-f16-big", dtype: "F16", shape: [40], data: ramp(40) },
      { name: "c-f32", dtype: "F32", shape: [3, 5], data: ramp(15) },
      { name: "d-f64", dtype: "F64", shape: [9], data: ramp(9) },
      { name: "e-bf16-again", dtype: "BF16", shape: [6], data: ramp(6) },
    ]);
    const scratch = new TensorScratch();
    for (const info of await openSafetensorsFile(file)) {
      const values = await readTensor(info, scratch);
      const count = info.shape.reduce((a, b) => a * b, 1);
      expect(values.length).toBe(count);
      expect([...values]).toEqual([...ramp(count)]);
    }
  });

  test("header is space-padded so the data section starts 8-byte aligned", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    const file = join(folder, "aligned.safetensors");
    await writeSafetensors(file, [{ name: "odd-name-x", dtype: "F32", shape: [1], data: new Float32Array([1]) }]);
    const bytes = await readFile(file);
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    expect(bytes[8 + headerLength - 1]).toBeOneOf([0x20, 0x7d]);
  });

  test("writing leaves no temporary file behind", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    await writeSafetensors(join(folder, "m.safetensors"), [{ name: "w", dtype: "F32", shape: [2], data: new Float32Array(2) }]);
    expect(await Array.fromAsync(new Bun.Glob("*").scan({ cwd: folder, dot: true }))).toEqual(["m.safetensors"]);
  });

  test("a shape that does not match the data is refused before anything is written", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    const file = join(folder, "bad.safetensors");
    await expect(writeSafetensors(file, [{ name: "w", dtype: "F32", shape: [3], data: new Float32Array(2) }])).rejects.toThrow(
      /tensor w: data length does not match its shape/,
    );
    expect(await Bun.file(file).exists()).toBe(false);
  });
});

describe("corrupt files are rejected with the file and the problem", () => {
  test("truncated file: shorter than its header says is caught at open", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    const file = join(folder, "cut.safetensors");
    await writeSafetensors(file, [{ name: "w", dtype: "F32", shape: [256], data: new Float32Array(256) }]);
    await truncate(file, (await Bun.file(file).size) - 10);
    await expectMotherError(() => openSafetensorsFile(file), file, /truncated file: tensor w runs past the end/);
  });

  test("truncated file: shorter than the 8-byte length", async () => {
    const file = await writeCrafted(temporaryFolder("mother-read-safetensors-"), "tiny.safetensors", new Uint8Array(5));
    await expectMotherError(() => openSafetensorsFile(file), file, /truncated file: too short/);
  });

  test("header length larger than the file", async () => {
    const bytes = craftSafetensors({}, new Uint8Array(0), { headerLength: 4096n });
    const file = await writeCrafted(temporaryFolder("mother-read-safetensors-"), "long-header.safetensors", bytes);
    await expectMotherError(() => openSafetensorsFile(file), file, /header length runs past the end of the file/);
  });

  test("header length over the cap (a u64 beyond 2^53 too)", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    for (const headerLength of [200_000_000n, 2n ** 63n + 5n]) {
      const file = await writeCrafted(folder, `cap-${headerLength}.safetensors`, craftSafetensors({}, new Uint8Array(0), { headerLength }));
      await expectMotherError(() => openSafetensorsFile(file), file, new RegExp(`header length over the cap \\(${headerLength}, limit 100000000\\)`));
    }
  });

  test("header not JSON", async () => {
    const file = await writeCrafted(temporaryFolder("mother-read-safetensors-"), "garbage.safetensors", craftSafetensors("PK\u0003\u0004 zip?"));
    await expectMotherError(() => openSafetensorsFile(file), file, /header is not JSON/);
  });

  test("overlapping offsets, offsets past end, begin > end, size mismatch, unknown dtype", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    const cases: [object, number, RegExp][] = [
      [
        { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } },
        12,
        /tensors a and b have overlapping/,
      ],
      [{ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, 8, /tensor a runs past the end/],
      [{ a: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, 8, /begin > end/],
      [{ a: { dtype: "BF16", shape: [3], data_offsets: [0, 8] } }, 8, /shape × dtype size does not match/],
      [{ a: { dtype: "float32", shape: [2], data_offsets: [0, 8] } }, 8, /tensor a has an unknown dtype \(float32/],
    ];
    for (const [i, [header, dataBytes, problem]] of cases.entries()) {
      const file = await writeCrafted(folder, `case-${i}.safetensors`, craftSafetensors(header, new Uint8Array(dataBytes)));
      await expectMotherError(() => openSafetensorsFile(file), file, problem);
    }
  });

  test("NaN and Inf weights in F32 and BF16 name the file and tensor", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    const header = (dtype: string, bytes: number, count: number) => ({ "layer.weight": { dtype, shape: [count], data_offsets: [0, bytes] } });
    const nanF32 = await writeCrafted(folder, "nan32.safetensors", craftSafetensors(header("F32", 12, 3), f32Bytes([1, NaN, 2])));
    const infF32 = await writeCrafted(folder, "inf32.safetensors", craftSafetensors(header("F32", 8, 2), f32Bytes([-Infinity, 0])));
    const nanBf16 = await writeCrafted(
      folder,
      "nanbf.safetensors",
      craftSafetensors(header("BF16", 4, 2), new Uint8Array(new Uint16Array([0x3f80, 0x7fc1]).buffer)),
    );
    const infBf16 = await writeCrafted(
      folder,
      "infbf.safetensors",
      craftSafetensors(header("BF16", 4, 2), new Uint8Array(new Uint16Array([0xff80, 0]).buffer)),
    );
    for (const [file, what] of [
      [nanF32, "NaN at element 1"],
      [infF32, "-Infinity at element 0"],
      [nanBf16, "NaN at element 1"],
      [infBf16, "-Infinity at element 0"],
    ] as const) {
      const [info] = await openSafetensorsFile(file);
      await expectMotherError(() => readTensor(info!), file, new RegExp(`tensor layer\\.weight holds a non-finite weight \\(${what}`));
    }
  });

  test("a file cut short after opening is caught at read time", async () => {
    const folder = temporaryFolder("mother-read-safetensors-");
    const file = join(folder, "shrinks.safetensors");
    await writeSafetensors(file, [{ name: "w", dtype: "F32", shape: [64], data: new Float32Array(64) }]);
    const [info] = await openSafetensorsFile(file);
    await truncate(file, info!.offset + 10);
    await expectMotherError(() => readTensor(info!), file, /tensor w is cut short/);
  });

  test("a missing file", async () => {
    const file = join(temporaryFolder("mother-read-safetensors-"), "absent.safetensors");
    await expectMotherError(() => openSafetensorsFile(file), file, /cannot read file \(ENOENT\)/);
  });

  test("a folder named like a file: opened, then refused by its kind (the header read is one descriptor)", async () => {
    const file = join(temporaryFolder("mother-read-safetensors-"), "folder.safetensors");
    await mkdir(file);
    await expectMotherError(() => openSafetensorsFile(file), file, /not a regular file/);
  });
});
