import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync, statSync } from "node:fs";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { heldBytes, heldLook, holdFiles, holdUpTo } from "../../src/io/held-files.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";

const dir = temporaryFolder("mother-held-");
let file: string;
const values = Float32Array.from({ length: 600 }, (_, i) => Math.sin(i) * 0.1);
beforeAll(async () => {
  file = join(dir, "model.safetensors");
  await writeSafetensors(file, [
    { name: "a.weight", dtype: "F32", shape: [20, 30], data: values },
    { name: "b.weight", dtype: "F16", shape: [4], data: Float32Array.of(1, -2, 0.5, 3) },
  ]);
});

describe("held files", () => {
  test("headers and tensors read from a held file equal those read from disk, and nothing is held after release", async () => {
    const fromDisk = await openSafetensorsFile(file);
    const diskValues = await Promise.all(fromDisk.map((tensor) => readTensor(tensor)));
    const release = holdFiles([
      [file, Bun.file(file).size],
      [file, Bun.file(file).size],
    ]);
    try {
      expect(heldBytes(file)?.length).toBe(Bun.file(file).size);
      const fromMemory = await openSafetensorsFile(file);
      expect(fromMemory).toEqual(fromDisk);
      expect(await Promise.all(fromMemory.map((tensor) => readTensor(tensor)))).toEqual(diskValues);
      expect(await readTensor(fromMemory[0]!, undefined, { count: 30 })).toEqual(values.subarray(0, 30));
    } finally {
      release();
    }
    expect(heldBytes(file)).toBeUndefined();
  });

  test("a file cut short after its header was held still reports the missing bytes", async () => {
    const copy = join(dir, "short.safetensors");
    await Bun.write(copy, Bun.file(file));
    const [tensor] = await openSafetensorsFile(copy);
    await truncate(copy, tensor!.offset + 100);
    const release = holdFiles([[copy, tensor!.offset + 100]]);
    try {
      const error = await readTensor(tensor!).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MotherError);
      expect((error as MotherError).message).toContain(copy);
    } finally {
      release();
    }
  });

  test("a file held with gaps: they are left unread, and read when a reader asks for bytes in one; headers and tensors equal those from disk", async () => {
    const size = Bun.file(file).size;
    const onDisk = new Uint8Array(await Bun.file(file).arrayBuffer());
    const [a, b] = await openSafetensorsFile(file);
    const diskA = await readTensor(a!);
    // Lent memory full of 0xAA: a byte not read from the file shows.
    let memory = new Uint8Array(0);
    const lender = {
      claim: (bytes: number) => {
        memory = new Uint8Array(bytes).fill(0xaa);
        return () => memory;
      },
      release: () => {},
    };
    const gap: [number, number] = [a!.offset, a!.offset + a!.byteLength];
    const release = holdFiles([[file, size, [gap, [gap[0] + 8, gap[1] - 8]]]], lender);
    try {
      const view = () => heldBytes(file, 0, 0)!;
      expect(
        view()
          .subarray(...gap)
          .every((byte) => byte === 0xaa),
      ).toBe(true);
      expect(view().subarray(0, gap[0])).toEqual(onDisk.subarray(0, gap[0]));
      expect(view().subarray(gap[1])).toEqual(onDisk.subarray(gap[1]));
      // The header and the tensor outside the gap come from memory; asking for a range in the gap reads the gap.
      expect(await openSafetensorsFile(file)).toEqual([a!, b!]);
      expect(
        view()
          .subarray(...gap)
          .every((byte) => byte === 0xaa),
      ).toBe(true);
      expect(heldBytes(file, gap[0] + 100, gap[0] + 104)).toEqual(onDisk);
      expect(await readTensor(a!)).toEqual(diskA);
    } finally {
      release();
    }
  });

  test("a gap that cannot be read when asked for (the file changed since it was held): no bytes, the reader goes to the file", async () => {
    const copy = join(dir, "gap-copy.safetensors");
    copyFileSync(file, copy);
    const [a] = await openSafetensorsFile(copy);
    const release = holdFiles([[copy, Bun.file(copy).size, [[a!.offset, a!.offset + a!.byteLength]]]]);
    try {
      await truncate(copy, a!.offset);
      expect(heldBytes(copy, 0, a!.offset)).toBeDefined();
      expect(heldBytes(copy, a!.offset, a!.offset + 4)).toBeUndefined();
      expect(await readTensor(a!).catch((e: unknown) => e)).toBeInstanceOf(MotherError);
    } finally {
      release();
    }
  });

  test("a file that cannot be read is not held: the ordinary reader reports it", () => {
    const missing = join(dir, "missing.safetensors");
    const release = holdFiles([[missing, 100]]);
    expect(heldBytes(missing)).toBeUndefined();
    release();
  });

  test("a file whose size is not the one given (changed since it was fingerprinted) is not held", () => {
    const release = holdFiles([[file, Bun.file(file).size + 1]]);
    expect(heldBytes(file)).toBeUndefined();
    release();
  });

  test("holdUpTo: files of unknown size held whole, their size and time from the read (as a stat gives them); none over the bound or when one cannot be opened", () => {
    const copy = join(dir, "up-to-copy.safetensors");
    copyFileSync(file, copy);
    const size = Bun.file(file).size;
    const release = holdUpTo([file, copy], 2 * size);
    for (const path of [file, copy]) {
      expect(heldBytes(path)).toEqual(new Uint8Array(readFileSync(path)));
      const { size: statSize, mtimeMs } = statSync(path);
      expect(heldLook(path)).toEqual({ size: statSize, mtimeMs });
    }
    release();
    expect([heldBytes(file), heldLook(file), heldBytes(copy)]).toEqual([undefined, undefined, undefined]);
    // Over the bound, or a file missing: nothing held, every file left to the ordinary reader (which reports a missing one).
    for (const files of [[file, copy], [file, join(dir, "missing.safetensors")], [dir]]) {
      const none = holdUpTo(files, files.length === 2 && files[1] === copy ? 2 * size - 1 : 2 * size);
      expect(files.map((path) => heldBytes(path))).toEqual(files.map(() => undefined));
      none();
    }
    // holdFiles gives the look too; a file not held has none.
    const again = holdFiles([[file, size]]);
    expect(heldLook(file)).toEqual({ size, mtimeMs: statSync(file).mtimeMs });
    expect(heldLook(copy)).toBeUndefined();
    again();
  });

  test("the buffer reused from job to job: a second holder meanwhile gets its own memory, the first's bytes stay", () => {
    const size = Bun.file(file).size;
    const first = holdFiles([[file, size]]);
    const bytes = Uint8Array.from(heldBytes(file)!);
    first();
    const copy = join(dir, "copy.safetensors");
    copyFileSync(file, copy);
    const again = holdFiles([[file, size]]);
    const other = holdFiles([[copy, size]]);
    expect(heldBytes(file)).toEqual(bytes);
    expect(heldBytes(copy)).toEqual(bytes);
    expect(heldBytes(copy)!.buffer).not.toBe(heldBytes(file)!.buffer);
    other();
    again();
  });

  test("lent memory: files land 8-byte aligned in it, reads follow it as it grows, and it is given back once", async () => {
    const size = Bun.file(file).size;
    const copy = join(dir, "lent-copy.safetensors");
    copyFileSync(file, copy);
    let memory = new ArrayBuffer(0);
    let released = 0;
    const lender = {
      claim: (bytes: number) => {
        memory = new ArrayBuffer(bytes);
        return () => new Uint8Array(memory);
      },
      release: () => released++,
    };
    const release = holdFiles(
      [
        [file, size],
        [copy, size],
      ],
      lender,
    );
    expect(memory.byteLength).toBe(2 * Math.ceil(size / 8) * 8);
    expect(heldBytes(copy)!.byteOffset % 8).toBe(0);
    // Growing memory detaches old views: the held bytes are viewed afresh on the new one.
    const grown = new ArrayBuffer(memory.byteLength + 64);
    new Uint8Array(grown).set(new Uint8Array(memory));
    memory = grown;
    expect(heldBytes(copy)!.buffer).toBe(grown);
    const tensors = await openSafetensorsFile(copy);
    expect(await readTensor(tensors[0]!)).toEqual(values);
    release();
    expect([released, heldBytes(file), heldBytes(copy)]).toEqual([1, undefined, undefined]);
    // A lender with nothing to lend: the thread's own buffer serves.
    const fallback = holdFiles([[file, size]], { claim: () => undefined, release: () => released++ });
    expect(heldBytes(file)?.length).toBe(size);
    fallback();
    expect(released).toBe(1);
  });

  test("kernel memory lent: one view of a held file while the memory keeps its buffer, a fresh one with the same bytes once it grows", async () => {
    const kernels = await threadKernels();
    const release = holdFiles([[file, Bun.file(file).size]], kernels.holdMemory());
    try {
      const view = heldBytes(file)!;
      const [bytes, at] = [Uint8Array.from(view), view.byteOffset];
      expect(kernels.pointerOf(view)).toBe(at);
      expect(heldBytes(file)).toBe(view);
      // Growing the memory detaches every view: the next is on the new buffer, the file's bytes where they were.
      kernels.allocate(view.buffer.byteLength + 65536);
      expect(view.byteLength).toBe(0);
      const grown = heldBytes(file)!;
      expect([grown === view, grown.byteLength, kernels.pointerOf(grown)]).toEqual([false, bytes.length, at]);
      expect(Uint8Array.from(grown)).toEqual(bytes);
      expect(heldBytes(file)).toBe(grown);
      expect(await readTensor((await openSafetensorsFile(file))[0]!)).toEqual(values);
    } finally {
      release();
      kernels.reset();
    }
  });
});
