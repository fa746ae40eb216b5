/**
 * Publishes a LoRA-trained model as peft's save_pretrained would have: its update on the adapted
 * layers (child − parent, of rank ≤ r since the trainer merged (α/r)·B·A into frozen weights)
 * factored back to rank r by SVD, every other tensor that training changed (a fresh classifier
 * head) as modules_to_save, and `base_model_name_or_path` naming the parent — so recovery reads
 * the adapter folder a hub user downloads, not the merged weights. Reused while its record
 * (`peft.json`: version, rank, base and the child's bytes) is unchanged.
 */
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { readTensor } from "../../io/read-safetensors.ts";
import { writePeftAdapter, type LoraFactorsToWrite } from "../../io/peft/write-peft-adapter.ts";
import type { TensorToWrite } from "../../io/write-safetensors.ts";
import type { LoraConfig } from "../../models/lora.ts";
import type { ModelSource } from "../../types.ts";
import { writeUnlessRecorded } from "../derived/copy-record.ts";

/** Bump when the factoring changes: older adapter folders are rewritten. */
export const PEFT_COPY_VERSION = 1;

/** True when a fresh adapter folder was written, false when the one on disk was reused. */
export function writePeftCopy(child: ModelSource, parent: ModelSource, lora: LoraConfig, baseName: string, folder: string): Promise<boolean> {
  const settings = {
    version: PEFT_COPY_VERSION,
    rank: lora.rank,
    alpha: lora.alpha,
    base: baseName,
    parentFiles: [...new Set(parent.tensors.map((t) => t.file))],
  };
  return writeUnlessRecorded(child, folder, "peft.json", settings, async () => {
    const parentTensors = new Map(parent.tensors.map((t) => [t.name, t]));
    const modules: LoraFactorsToWrite[] = [];
    const saved: TensorToWrite[] = [];
    for (const info of child.tensors) {
      const data = await readTensor(info);
      const from = parentTensors.get(info.name);
      const before = from && from.shape.join("x") === info.shape.join("x") ? await readTensor(from) : undefined;
      if (before && data.every((v, i) => v === before[i])) continue;
      const module = info.name.replace(/\.weight$/, "");
      const adapted = before && info.shape.length === 2 && module !== info.name && lora.targets.some((t) => module === t || module.endsWith(`.${t}`));
      if (adapted) modules.push({ module, ...factorUpdate(data, before, info.shape[0]!, info.shape[1]!, lora) });
      else saved.push({ name: info.name, dtype: info.dtype, shape: info.shape, data });
    }
    await writePeftAdapter(folder, { baseModel: baseName, rank: lora.rank, alpha: lora.alpha, modules, saved });
  });
}

/**
 * Factors Δ = after − before ([out, in], row-major) as (α/r)·B·A with A [r, in], B [out, r]:
 * the top r singular triplets, √σ on each side. Exact up to f32 rounding when rank Δ ≤ r.
 */
export function factorUpdate(
  after: ArrayLike<number>,
  before: ArrayLike<number>,
  out: number,
  inFeatures: number,
  lora: LoraConfig,
): Omit<LoraFactorsToWrite, "module"> {
  const delta = new Matrix(out, inFeatures);
  for (let i = 0; i < out; i++) for (let j = 0; j < inFeatures; j++) delta.set(i, j, after[i * inFeatures + j]! - before[i * inFeatures + j]!);
  const svd = new SingularValueDecomposition(delta, { autoTranspose: true });
  const [u, v, s] = [svd.leftSingularVectors, svd.rightSingularVectors, svd.diagonal];
  const r = lora.rank;
  const scale = lora.alpha / r;
  const a = new Float64Array(r * inFeatures);
  const b = new Float64Array(out * r);
  for (let k = 0; k < r; k++) {
    const root = Math.sqrt(s[k] ?? 0);
    for (let j = 0; j < inFeatures; j++) a[k * inFeatures + j] = root * v.get(j, k);
    for (let i = 0; i < out; i++) b[i * r + k] = (root * u.get(i, k)) / scale;
  }
  return { a, b, fanIn: inFeatures, fanOut: out };
}
