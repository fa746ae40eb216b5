/**
 * The family an adapter was trained in, from its weights alone, for an adapter whose config
 * names no base: the fitting model whose layers its update aligns with most
 * (subspace-alignment.ts). On VTHR this finds the right tree for 200 of 200 LoRA children and
 * the right model within it for 0 of 40 (bench/adapter-base-signal.ts), so the answer is used
 * to name a tree in a note, never to attach the adapter to the model found.
 */
import type { TensorInfo } from "../../types.ts";
import { readTensor } from "../read-safetensors.ts";
import { subspaceAlignment } from "./subspace-alignment.ts";

/** Adapted layers compared per candidate: enough to settle the family, bounded for 100-layer models. */
const LAYERS_COMPARED = 8;

/**
 * Of `candidates` (each: its id and the adapter applied to it, as adapterTensors gives), the id
 * whose weights the adapter's update aligns with most, or undefined when there is none.
 */
export async function bestAlignedModel(candidates: readonly { id: string; tensors: readonly TensorInfo[] }[]): Promise<string | undefined> {
  let best: { id: string; score: number } | undefined;
  for (const candidate of candidates) {
    const updated = candidate.tensors.filter((tensor) => tensor.lowRank).slice(0, LAYERS_COMPARED);
    let score = 0;
    for (const { lowRank } of updated) {
      if (!lowRank) continue;
      const [weight, a, b] = await Promise.all([lowRank.base, lowRank.a, lowRank.b].map((tensor) => readTensor(tensor)));
      const [rows, cols] = lowRank.base.shape as [number, number];
      const rank = lowRank.a.shape[0]!;
      // Stored [in, out] (fan_in_fan_out): the stored update is (B·A)ᵀ = Aᵀ·Bᵀ, so Aᵀ plays B and Bᵀ plays A.
      const [left, right] = lowRank.transposed ? [transpose(a!, rank, rows), transpose(b!, cols, rank)] : [b!, a!];
      score += subspaceAlignment({ rows, cols, values: weight! }, right, left, rank, Math.min(rank, rows, cols));
    }
    if (!best || score > best.score) best = { id: candidate.id, score };
  }
  return best?.id;
}

/** Xᵀ of X (n × m, row-major). */
function transpose(x: ArrayLike<number>, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = x[i * m + j]!;
  return out;
}
