/**
 * What a cache keys a weight file by. By default its absolute path, size and modification
 * time: one stat, and a changed, moved or re-downloaded file gets a new identity. A file
 * rewritten in place with the same size and modification time (a tool that restores mtimes, a
 * copy with `cp -p` or `rsync -t` over the original) keeps its identity; for those, a checksum
 * of the bytes themselves (contentChecksum) is the key, at the cost of reading them.
 */
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { checksumRangePastEnd } from "../messages.ts";

/** [absolute path, size in bytes, mtime in ms]. */
export type FileIdentity = readonly [path: string, size: number, mtimeMs: number];

/** Reads a file's size and modification time (tests pass a fake). */
export type StatFile = (path: string) => Promise<{ size: number; mtimeMs: number }>;

/** The identity of `path` (resolved against the working directory). */
export async function fileIdentity(path: string, statFile: StatFile = stat): Promise<FileIdentity> {
  const absolute = resolve(path);
  const { size, mtimeMs } = await statFile(absolute);
  return [absolute, size, mtimeMs];
}

/** Bytes read and hashed at a time: large enough that hashing runs at memory speed, small enough to stay cheap to hold. */
const CHECKSUM_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * A checksum of `byteLength` bytes of `path` from `offset`, as 16 hex digits: xxHash64 of each
 * 8 MiB chunk in turn, each seeded with the previous chunk's hash (so it streams; a fixed
 * definition, not the xxHash64 of the whole range). A file shorter than the range is an error.
 */
export async function contentChecksum(path: string, offset: number, byteLength: number): Promise<string> {
  const file = await open(path, "r");
  try {
    const buffer = new Uint8Array(Math.min(CHECKSUM_CHUNK_BYTES, Math.max(byteLength, 1)));
    let hash = 0n;
    for (let done = 0; done < byteLength; ) {
      // Fill the whole chunk before hashing it: the chunking must not depend on how reads split.
      const chunk = Math.min(buffer.byteLength, byteLength - done);
      for (let filled = 0; filled < chunk; ) {
        const { bytesRead } = await file.read(buffer, filled, chunk - filled, offset + done + filled);
        if (bytesRead === 0) throw checksumRangePastEnd(path, offset + byteLength);
        filled += bytesRead;
      }
      hash = Bun.hash.xxHash64(buffer.subarray(0, chunk), hash);
      done += chunk;
    }
    return hash.toString(16).padStart(16, "0");
  } finally {
    await file.close();
  }
}
