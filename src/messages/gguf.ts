/**
 * Messages of the GGUF reader (src/io/gguf): a header that is not GGUF or lies about its counts,
 * offsets or types, data cut short, and what mother does not read (split shards, undecoded types).
 */
import { MotherError } from "../errors.ts";

const GGUF_HELP = "the file is corrupt or truncated; download it again";

/** A file named .gguf that does not start with the GGUF magic. */
export function ggufBadMagic(file: string, magic: number): MotherError {
  return new MotherError(file, "not a GGUF file: wrong magic", { value: `0x${magic.toString(16).padStart(8, "0")}`, limit: "0x46554747 ('GGUF')" });
}

/** A GGUF version mother does not read (v1 predates 64-bit counts; later ones are unknown). */
export function ggufBadVersion(file: string, version: number): MotherError {
  return new MotherError(file, "unsupported GGUF version", {
    value: version,
    limit: "2 or 3",
    help: "convert the file with a current llama.cpp (convert_hf_to_gguf.py or gguf-py)",
  });
}

/** A header field (string, array, count) that would run past the end of the file. */
export function ggufPastEnd(file: string, what: string, end: number, fileSize: number): MotherError {
  return new MotherError(file, `truncated GGUF header: ${what} runs past the end of the file`, {
    value: `ends at byte ${end}`,
    limit: `file size ${fileSize}`,
    help: GGUF_HELP,
  });
}

/** A count in the header that the rest of the file cannot hold. */
export function ggufCountLies(file: string, what: string, count: number, most: number): MotherError {
  return new MotherError(file, `GGUF ${what} is larger than the file can hold`, { value: count, limit: most, help: GGUF_HELP });
}

/** A metadata value type outside gguf.h's list. */
export function ggufBadValueType(file: string, key: string, type: number): MotherError {
  return new MotherError(file, `GGUF metadata ${key} has an unknown value type`, { value: type, limit: "0-12", help: GGUF_HELP });
}

/** A tensor with no dimensions or more than ggml's four. */
export function ggufBadRank(file: string, tensor: string, rank: number): MotherError {
  return new MotherError(file, `GGUF tensor ${tensor} has an impossible dimension count`, { value: rank, limit: "1-4", help: GGUF_HELP });
}

/** `general.alignment` that is not a positive power of two. */
export function ggufBadAlignment(file: string, value: string): MotherError {
  return new MotherError(file, "GGUF general.alignment is not a power of two", { value, help: GGUF_HELP });
}

/** A GGUF header larger than mother reads. */
export function ggufHeaderTooLarge(file: string, limit: number): MotherError {
  return new MotherError(file, "GGUF header is larger than the cap", { limit: `${limit} bytes`, help: GGUF_HELP });
}

/** A tensor stored in a ggml type mother does not decode. */
export function ggufUnknownType(file: string, tensor: string, type: string): MotherError {
  return new MotherError(file, `GGUF tensor ${tensor} is stored in a ggml type mother does not decode`, {
    value: type,
    limit: "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K-Q6_K",
    help: "use a GGUF quantized with one of these types",
  });
}

/** A tensor whose rows are not a whole number of its type's blocks. */
export function ggufRowNotBlocks(file: string, tensor: string, row: number, block: number): MotherError {
  return new MotherError(file, `GGUF tensor ${tensor}: row length is not a whole number of blocks`, {
    value: row,
    limit: `multiple of ${block}`,
    help: GGUF_HELP,
  });
}

/** A tensor offset that is misaligned, overlaps another tensor, or points past the end. */
export function ggufBadOffset(file: string, tensor: string, problem: string, value: string, limit: string): MotherError {
  return new MotherError(file, `GGUF tensor ${tensor} ${problem}`, { value, limit, help: GGUF_HELP });
}

/** Tensor data cut short while reading. */
export function ggufTruncated(file: string, tensor: string, read: number, expected: number): MotherError {
  return new MotherError(file, `truncated file: GGUF tensor ${tensor} is cut short`, {
    value: `${read} bytes read`,
    limit: `${expected} expected`,
    help: GGUF_HELP,
  });
}

/** Metadata a GGUF needs for its Q/K rows (head counts) missing or wrong. */
export function ggufBadHeads(file: string, key: string, value: string, rows: number): MotherError {
  return new MotherError(file, `GGUF metadata ${key} does not divide the attention rows`, { value, limit: `${rows} rows`, help: GGUF_HELP });
}

/** One shard of a split GGUF (llama.cpp's gguf-split): the model's other tensors are in the other shards. */
export function ggufSplit(file: string, shards: number): MotherError {
  return new MotherError(file, "is one shard of a split GGUF, which mother does not join", {
    value: `${shards} shards`,
    help: "merge the shards first: llama-gguf-split --merge <first shard> <merged.gguf>",
  });
}

/** A decoded GGUF value that is NaN or infinite. */
export function ggufNonFinite(file: string, tensor: string, value: number, at: number): MotherError {
  return new MotherError(file, `tensor ${tensor} holds a non-finite weight`, {
    value: `${value} at element ${at}`,
    help: "NaN/Inf weights usually mean a diverged or corrupt checkpoint",
  });
}

/** Two tensors of one GGUF file with the same (mapped) name. */
export function ggufDuplicateTensor(file: string, tensor: string): MotherError {
  return new MotherError(file, `GGUF holds tensor ${tensor} twice`, { help: GGUF_HELP });
}
