/**
 * Safetensors writer (checkpoints of the harness, test fixtures). Files are written to a
 * temporary name in the same folder and renamed into place, so a reader never sees half a
 * file and a failure leaves nothing behind.
 */
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Dtype } from "../types.ts";
import { DTYPE_BYTES } from "../types.ts";
import { encodeTensorValues } from "./dtype.ts";
import { HEADER_LENGTH_PREFIX_BYTES } from "./safetensors-header.ts";
import { assert } from "../errors.ts";

/** One tensor to store: values are rounded (round-to-nearest-even) to `dtype` on write. */
export interface TensorToWrite {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/**
 * Write `tensors` (sorted by name, packed back to back) to `file` atomically. The JSON header
 * is padded with spaces to a multiple of 8 bytes, as the reference implementation does, so
 * the data section starts 8-byte aligned. Values are not checked for NaN/Inf (fixtures need them).
 */
export async function writeSafetensors(file: string, tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Promise<void> {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const tensor of sorted) {
    assert(tensor.name !== "__metadata__" && !(tensor.name in header), `${file}: duplicate or reserved tensor name ${tensor.name}`);
    const elements = tensor.shape.reduce((product, size) => product * size, 1);
    assert(
      elements === tensor.data.length,
      `${file}: tensor ${tensor.name}: data length does not match its shape (${tensor.data.length}, limit [${tensor.shape.join(", ")}] = ${elements})`,
    );
    const byteLength = elements * DTYPE_BYTES[tensor.dtype];
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json).byteLength;
  json += " ".repeat((8 - (jsonBytes % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(HEADER_LENGTH_PREFIX_BYTES);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);

  await writeAtomically(file, async (write) => {
    await write(prefix);
    await write(headerBytes);
    for (const tensor of sorted) await write(encodeTensorValues(tensor.data, tensor.dtype));
  });
}

/**
 * Create `file` through a temp file in the same folder (same filesystem, so rename is atomic);
 * the temp file is removed if anything fails. Parent folders are created.
 */
export async function writeAtomically(file: string, produce: (write: (bytes: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const handle = await open(temporary, "w");
  try {
    await produce(async (bytes) => {
      let written = 0;
      while (written < bytes.byteLength) written += (await handle.write(bytes, written, bytes.byteLength - written)).bytesWritten;
    });
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
}
