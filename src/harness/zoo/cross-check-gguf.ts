/**
 * The zoo's GGUF files read by a second, independent parser (@huggingface/gguf, the Hugging Face
 * hub's own) beside ours: the same tensors at the same absolute offsets with the same ggml types.
 * A file our writer and reader agree on but the hub's parser reads otherwise would be a file no
 * real tool makes; the zoo counts the files that pass on its page.
 */
import { GGMLQuantizationType, gguf } from "@huggingface/gguf";
import type { ModelSource } from "../../types.ts";

/** The problem found in `model` (a GGUF model as our reader opened it), or undefined when both parsers agree. */
export async function crossCheckGguf(model: ModelSource): Promise<string | undefined> {
  const file = model.tensors[0]?.file;
  if (file === undefined) return `${model.id}: no tensors`;
  const parsed = await gguf(file, { allowLocalFile: true });
  const theirs = new Map(parsed.tensorInfos.map((t) => [Number(parsed.tensorDataOffset + t.offset), GGMLQuantizationType[t.dtype]]));
  if (theirs.size !== model.tensors.length) return `${file}: @huggingface/gguf reads ${theirs.size} tensors, ours ${model.tensors.length}`;
  for (const tensor of model.tensors) {
    const type = tensor.encoding?.ggmlType ?? tensor.dtype;
    if (theirs.get(tensor.offset) !== type)
      return `${file}: ${tensor.name} at byte ${tensor.offset} is ${type} to us, ${theirs.get(tensor.offset) ?? "absent"} to @huggingface/gguf`;
  }
  return undefined;
}
