/**
 * Messages of the safetensors reader (src/io/safetensors-header.ts, read-safetensors.ts): every way a
 * file can be short, corrupt or hostile, each naming the file, the tensor where there is one, and the
 * value against its limit (huggingface.js's header parser is the model).
 */
import { MotherError } from "../errors.ts";

/** The file could not be read at all (`reason`: the system's code or message). */
export function cannotReadFile(file: string, reason: string): MotherError {
  return new MotherError(file, "cannot read file", { value: reason });
}

/** The path is a folder, a device or a socket where a file was expected. */
export function notRegularFile(file: string): MotherError {
  return new MotherError(file, "not a regular file");
}

/** Fewer bytes than the 8-byte header length prefix. */
export function fileTooShortForHeader(file: string, size: number, need: number): MotherError {
  return new MotherError(file, "truncated file: too short for a safetensors header length", { value: `${size} bytes`, limit: `${need} bytes` });
}

/** A header length above MAX_HEADER_BYTES (a hostile or corrupt prefix). */
export function headerLengthOverCap(file: string, length: number | bigint, cap: number): MotherError {
  return new MotherError(file, "safetensors header length over the cap", { value: length, limit: cap });
}

/** A header length that runs past the end of the file. */
export function headerPastEnd(file: string, headerEnd: number, fileSize: number): MotherError {
  return new MotherError(file, "truncated file: header length runs past the end of the file", {
    value: `header ends at byte ${headerEnd}`,
    limit: `file size ${fileSize}`,
  });
}

/** The file ended while the header was read. */
export function headerCutShort(file: string, read: number, expected: number): MotherError {
  return new MotherError(file, "truncated file: header is cut short", { value: `${read} bytes read`, limit: `${expected} expected` });
}

/** Header bytes that are not UTF-8. */
export function headerNotUtf8(file: string): MotherError {
  return new MotherError(file, "safetensors header is not valid UTF-8");
}

/** Header text that is not JSON (`reason`: the parser's message). */
export function headerNotJson(file: string, reason: string): MotherError {
  return new MotherError(file, "safetensors header is not JSON", { value: reason });
}

/** Header JSON that is not an object (`found`: what it is). */
export function headerNotObject(file: string, found: string): MotherError {
  return new MotherError(file, "safetensors header is not a JSON object", { value: found });
}

/** `__metadata__` that is not an object. */
export function metadataNotObject(file: string): MotherError {
  return new MotherError(file, "__metadata__ is not a JSON object of strings");
}

/** A `__metadata__` value that is not a string. */
export function metadataValueNotString(file: string, key: string, value: string): MotherError {
  return new MotherError(file, `__metadata__ value for ${key} is not a string`, { value });
}

/** A tensor entry that is not an object. */
export function tensorEntryNotObject(file: string, tensor: string): MotherError {
  return new MotherError(file, `tensor ${tensor} entry is not a JSON object`);
}

/** A tensor entry without a dtype string. */
export function tensorWithoutDtype(file: string, tensor: string, value: string): MotherError {
  return new MotherError(file, `tensor ${tensor} has no dtype string`, { value });
}

/** A tensor shape that is not a list of non-negative integers. */
export function tensorShapeInvalid(file: string, tensor: string, value: string): MotherError {
  return new MotherError(file, `tensor ${tensor} shape is not a list of non-negative integers`, { value });
}

/** `data_offsets` that are not a pair of non-negative integers. */
export function tensorOffsetsInvalid(file: string, tensor: string, value: string): MotherError {
  return new MotherError(file, `tensor ${tensor} data_offsets is not a pair of non-negative integers`, { value });
}

/** A dtype safetensors does not define. */
export function tensorDtypeUnknown(file: string, tensor: string, dtype: string, known: readonly string[]): MotherError {
  return new MotherError(file, `tensor ${tensor} has an unknown dtype`, { value: dtype, help: `safetensors dtypes are ${known.join(", ")}` });
}

/** `data_offsets` with begin after end. */
export function tensorOffsetsReversed(file: string, tensor: string, begin: number, end: number): MotherError {
  return new MotherError(file, `tensor ${tensor} has data_offsets begin > end`, { value: `[${begin}, ${end}]` });
}

/** A tensor whose bytes run past the end of the data section. */
export function tensorPastData(file: string, tensor: string, end: number, dataBytes: number): MotherError {
  return new MotherError(file, `truncated file: tensor ${tensor} runs past the end of the data`, {
    value: `ends at data byte ${end}`,
    limit: `${dataBytes} data bytes`,
  });
}

/** Shape × dtype size that differs from the byte range `data_offsets` gives. */
export function tensorSizeMismatch(file: string, tensor: string, described: string, spanBytes: number): MotherError {
  return new MotherError(file, `tensor ${tensor}: shape × dtype size does not match its byte range`, {
    value: described,
    limit: `data_offsets span ${spanBytes} bytes`,
  });
}

/** Two tensors whose byte ranges overlap. */
export function tensorsOverlap(file: string, first: string, second: string, spans: string): MotherError {
  return new MotherError(file, `tensors ${first} and ${second} have overlapping data_offsets`, { value: spans });
}

/** The file ended inside a tensor's bytes while they were read. */
export function tensorCutShort(file: string, tensor: string, read: number, expected: number): MotherError {
  return new MotherError(file, `truncated file: tensor ${tensor} is cut short`, { value: `${read} bytes read`, limit: `${expected} expected` });
}

/** A NaN or ±Inf weight, with the first one found and where. */
export function tensorNotFinite(file: string, tensor: string, value: number, element: number): MotherError {
  return new MotherError(file, `tensor ${tensor} holds a non-finite weight`, {
    value: `${value} at element ${element}`,
    help: "NaN/Inf weights usually mean a diverged or corrupt checkpoint",
  });
}

/** A big-endian machine: the readers view little-endian bytes through typed arrays. */
export function bigEndianPlatform(): MotherError {
  return new MotherError("this machine", "is big-endian; mother reads little-endian safetensors through typed arrays", undefined, "environment");
}
