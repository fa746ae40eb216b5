/**
 * Streaming safetensors reader: opening a file reads only the 8-byte length and the JSON
 * header; each tensor is then read on demand as one ranged read of exactly its bytes, so
 * memory is bounded by the tensors in flight, never by the file size (SPEC §6).
 */
import { stat } from "node:fs/promises";
import { MotherError } from "../errors.ts";
import type { TensorInfo } from "../types.ts";
import { decodeTensorBytes } from "./dtype.ts";
import {
  HEADER_LENGTH_PREFIX_BYTES,
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  type ParsedSafetensorsHeader,
} from "./safetensors-header.ts";

/**
 * Read and validate a file's header: float tensors (absolute offsets), skipped non-float
 * tensors and metadata. Truncation is caught here, before any tensor is read.
 */
export async function readSafetensorsHeader(file: string): Promise<ParsedSafetensorsHeader> {
  const fileSize = await regularFileSize(file);
  if (fileSize < HEADER_LENGTH_PREFIX_BYTES) {
    throw new MotherError(file, "truncated file: too short for a safetensors header length", { value: `${fileSize} bytes`, limit: `${HEADER_LENGTH_PREFIX_BYTES} bytes` });
  }
  const prefix = await readRange(file, 0, HEADER_LENGTH_PREFIX_BYTES);
  const headerLength = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new MotherError(file, "safetensors header length over the cap", { value: headerLength, limit: MAX_HEADER_BYTES });
  }
  const length = Number(headerLength);
  if (HEADER_LENGTH_PREFIX_BYTES + length > fileSize) {
    throw new MotherError(file, "truncated file: header length runs past the end of the file", {
      value: `header ends at byte ${HEADER_LENGTH_PREFIX_BYTES + length}`,
      limit: `file size ${fileSize}`,
    });
  }
  const headerBytes = await readRange(file, HEADER_LENGTH_PREFIX_BYTES, HEADER_LENGTH_PREFIX_BYTES + length);
  return parseSafetensorsHeader(headerBytes, file, fileSize, length);
}

/** The float tensors of one safetensors file, in header order (reads the header only). */
export async function openSafetensorsFile(file: string): Promise<TensorInfo[]> {
  return (await readSafetensorsHeader(file)).tensors;
}

/**
 * Read one tensor's bytes (a single ranged read) and decode them: F64 → Float64Array, every
 * other dtype → Float32Array. Throws MotherError naming file and tensor if a value is NaN or
 * ±Inf, or if the file became shorter than its header promised.
 */
export async function readTensor(info: TensorInfo): Promise<Float32Array | Float64Array> {
  const bytes = await readRange(info.file, info.offset, info.offset + info.byteLength);
  if (bytes.byteLength !== info.byteLength) {
    throw new MotherError(info.file, `truncated file: tensor ${info.name} is cut short`, { value: `${bytes.byteLength} bytes read`, limit: `${info.byteLength} expected` });
  }
  const { values, firstNonFinite } = decodeTensorBytes(bytes, info.dtype);
  if (firstNonFinite >= 0) {
    throw new MotherError(info.file, `tensor ${info.name} holds a non-finite weight`, {
      value: `${values[firstNonFinite]} at element ${firstNonFinite}`,
      help: "NaN/Inf weights usually mean a diverged or corrupt checkpoint",
    });
  }
  return values;
}

async function regularFileSize(file: string): Promise<number> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw new MotherError(file, "cannot read file", { value: (error as NodeJS.ErrnoException).code ?? String(error) });
  }
  if (!info.isFile()) throw new MotherError(file, "not a regular file");
  return info.size;
}

async function readRange(file: string, begin: number, end: number): Promise<Uint8Array> {
  try {
    return new Uint8Array(await Bun.file(file).slice(begin, end).arrayBuffer());
  } catch (error) {
    throw new MotherError(file, "cannot read file", { value: (error as Error).message });
  }
}
