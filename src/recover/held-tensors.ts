/**
 * Where a layer pass finds a model's tensor without reading it (layer-pass.ts): in a held file
 * already in kernel memory (src/io/held-files.ts), or in another model's very bytes (a twin).
 */
import type { TensorInfo } from "../types.ts";
import type { TensorStream } from "../io/read-safetensors.ts";
import type { WeightKernels } from "../kernels/weight-kernels.ts";
import { heldBytes } from "../io/held-files.ts";

/** The kernel pointer of an f32 tensor's first `count` values when its file is held in kernel memory, 4-byte aligned; else undefined. */
export function heldInKernels(tensor: TensorInfo, count: number, kernels: WeightKernels): number | undefined {
  if (tensor.dtype !== "F32" || tensor.encoding || tensor.lowRank) return undefined;
  const bytes = heldBytes(tensor.file, tensor.offset, tensor.offset + count * 4);
  const file = bytes && kernels.pointerOf(bytes);
  if (file === undefined || tensor.offset + count * 4 > bytes!.length) return undefined;
  const pointer = file + tensor.offset;
  return pointer % 4 === 0 ? pointer : undefined;
}

/** A stream over f32 values already at `pointer` in kernel memory: each read is a view, nothing is copied. */
export function lyingAt(pointer: number, kernels: WeightKernels): TensorStream {
  return { read: (first, count) => kernels.f32(pointer + first * 4, count), close: () => {} };
}

/** Whether two models' tensors are the same stored bytes read the same way. */
export function sameBytes(a: TensorInfo, b: TensorInfo): boolean {
  return (
    a.file === b.file &&
    a.offset === b.offset &&
    a.byteLength === b.byteLength &&
    a.dtype === b.dtype &&
    !a.lowRank &&
    !b.lowRank &&
    JSON.stringify(a.encoding) === JSON.stringify(b.encoding)
  );
}
