/**
 * Test helper: GGUF bytes built field by field, so each corrupt case is one changed field
 * (a count that lies, an offset past the end, an unknown type) rather than a stored binary.
 */

/** One tensor info as written (dims in ggml order, fastest first). */
export interface CraftedTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly typeId: number;
  readonly offset: number | bigint;
}

/** The fields of a crafted file; counts default to the real ones. */
export interface CraftedGguf {
  readonly magic?: number;
  readonly version?: number;
  readonly tensorCount?: bigint;
  readonly kvCount?: bigint;
  /** String metadata only (enough for these tests); `keyLength` overrides the first key's length. */
  readonly metadata?: readonly (readonly [string, string])[];
  readonly keyLength?: bigint;
  readonly tensors: readonly CraftedTensor[];
  /** Bytes of the data section (after padding to 32). */
  readonly data: Uint8Array;
}

/** The bytes of a crafted GGUF file. */
export function craftGguf(spec: CraftedGguf): Uint8Array {
  const parts: number[] = [];
  const u32 = (value: number) => {
    for (let i = 0; i < 4; i++) parts.push((value >>> (8 * i)) & 0xff);
  };
  const u64 = (value: number | bigint) => {
    const big = BigInt(value);
    for (let i = 0n; i < 8n; i++) parts.push(Number((big >> (8n * i)) & 0xffn));
  };
  const string = (text: string, length?: bigint) => {
    const bytes = new TextEncoder().encode(text);
    u64(length ?? BigInt(bytes.length));
    parts.push(...bytes);
  };
  const metadata = spec.metadata ?? [];
  u32(spec.magic ?? 0x46554747);
  u32(spec.version ?? 3);
  u64(spec.tensorCount ?? BigInt(spec.tensors.length));
  u64(spec.kvCount ?? BigInt(metadata.length));
  for (const [i, [key, value]] of metadata.entries()) {
    string(key, i === 0 ? spec.keyLength : undefined);
    u32(8);
    string(value);
  }
  for (const tensor of spec.tensors) {
    string(tensor.name);
    u32(tensor.dims.length);
    for (const size of tensor.dims) u64(size);
    u32(tensor.typeId);
    u64(tensor.offset);
  }
  while (parts.length % 32 !== 0) parts.push(0);
  const bytes = new Uint8Array(parts.length + spec.data.length);
  bytes.set(parts);
  bytes.set(spec.data, parts.length);
  return bytes;
}

/** A valid two-tensor file: an F32 [2, 4] matrix at offset 0 and a Q8_0 [1, 32] row at 32. */
export function validGguf(overrides: Partial<CraftedGguf> = {}): Uint8Array {
  const data = new Uint8Array(32 + 34);
  new DataView(data.buffer).setFloat32(0, 1.5, true);
  [data[32], data[33], data[34]] = [0x00, 0x3c, 5]; // Q8_0 block: d = 1, first value 5
  return craftGguf({
    metadata: [["general.architecture", "test"]],
    tensors: [
      { name: "a.weight", dims: [4, 2], typeId: 0, offset: 0 },
      { name: "b.weight", dims: [32, 1], typeId: 8, offset: 32 },
    ],
    data,
    ...overrides,
  });
}
