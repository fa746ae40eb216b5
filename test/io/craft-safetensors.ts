/**
 * Test helper: build safetensors bytes by hand, including broken ones, so every corrupt case
 * is a few lines of data rather than a stored binary.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Bytes of a safetensors file whose header is `header` (object → JSON, string → as is). */
export function craftSafetensors(header: object | string, data: Uint8Array = new Uint8Array(0), options: { headerLength?: bigint } = {}): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(bytes.buffer).setBigUint64(0, options.headerLength ?? BigInt(json.byteLength), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.byteLength);
  return bytes;
}

/** Write crafted bytes to `name` inside `folder`; returns the path. */
export async function writeCrafted(folder: string, name: string, bytes: Uint8Array): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, bytes);
  return file;
}

/** Float32 values as little-endian bytes. */
export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}
