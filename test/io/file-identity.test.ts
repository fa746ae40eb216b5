import { describe, expect, test } from "bun:test";
import { utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { contentChecksum, fileIdentity } from "../../src/io/file-identity.ts";
import { MotherError } from "../../src/errors.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-file-identity-");

/** The chained definition, computed directly: xxHash64 of each 8 MiB chunk seeded with the previous hash. */
function chainedReference(bytes: Uint8Array): string {
  const chunk = 8 * 1024 * 1024;
  let hash = 0n;
  for (let at = 0; at < bytes.length; at += chunk) hash = Bun.hash.xxHash64(bytes.subarray(at, Math.min(at + chunk, bytes.length)), hash);
  return hash.toString(16).padStart(16, "0");
}

describe("fileIdentity", () => {
  test("is the absolute path, size and mtime: the same for a same-size rewrite with the mtime put back", async () => {
    const file = join(dir, "same.bin");
    const time = new Date("2026-01-02T03:04:05Z");
    await writeFile(file, "aaaa");
    await utimes(file, time, time);
    const before = await fileIdentity(file);
    await writeFile(file, "bbbb");
    await utimes(file, time, time);
    expect(await fileIdentity(file)).toEqual(before); // the default key's blind spot (--verify-cache)
    expect(before).toEqual([file, 4, time.getTime()]);
  });
});

describe("contentChecksum", () => {
  test("hashes exactly the range asked for, across chunk boundaries, as the chained definition says", async () => {
    const bytes = new Uint8Array(8 * 1024 * 1024 * 2 + 1234);
    for (let i = 0; i < bytes.length; i += 997) bytes[i] = (i * 31) & 255;
    const file = join(dir, "big.bin");
    await writeFile(file, bytes);
    expect(await contentChecksum(file, 0, bytes.length)).toBe(chainedReference(bytes));
    expect(await contentChecksum(file, 100, 5000)).toBe(chainedReference(bytes.subarray(100, 5100)));
    expect(await contentChecksum(file, 0, 0)).toBe("0000000000000000");
  });

  test("changes with any byte of the range, not with bytes outside it", async () => {
    const file = join(dir, "small.bin");
    const bytes = new Uint8Array(4096).map((_, i) => i & 255);
    await writeFile(file, bytes);
    const before = await contentChecksum(file, 1024, 1024);
    bytes[1500]! ^= 1;
    await writeFile(file, bytes);
    expect(await contentChecksum(file, 1024, 1024)).not.toBe(before);
    bytes[1500]! ^= 1;
    bytes[3000]! ^= 1;
    await writeFile(file, bytes);
    expect(await contentChecksum(file, 1024, 1024)).toBe(before);
  });

  test("a file shorter than the range is one line naming it", async () => {
    const file = join(dir, "short.bin");
    await writeFile(file, new Uint8Array(100));
    const error = await contentChecksum(file, 50, 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotherError);
    expect((error as MotherError).message).toStartWith(`${file}: ends before the bytes its header describes (needs 150 bytes)`);
  });
});
