/**
 * Pruned copies: a model made from another by setting its smallest weights to 0 keeps every
 * other weight bit for bit. Trained weights never coincide exactly, so a pruned model (PRUNED_ZEROS
 * of exact zeros or more) whose every non-zero weight in the sample equals a dense model's is a
 * copy of it, and hangs under it as a storage twin does. Distances cannot tell this: pruning
 * moves a third of the weights, and pruned copies of a LoRA family sat as near each other as to
 * their sources (derived-copies on the PyTorch LoRA tree: 1/4 under their source by distance).
 */
import type { LayerJob, LayerResult } from "./layer-pass.ts";
import { readMergeSamples } from "./merge-samples.ts";
import { PRUNED_ZEROS, zeroShare } from "./tree-distance.ts";

/** prunedCopyOf[i] = index (into members) of the dense model member i is a pruned copy of, or −1. */
export async function prunedCopies(members: readonly number[], jobs: readonly LayerJob[], pass: readonly LayerResult[]): Promise<Int32Array> {
  const k = members.length;
  const copyOf = new Int32Array(k).fill(-1);
  const pruned = members.map((m) => zeroShare(jobs, pass, m) >= PRUNED_ZEROS);
  if (!pruned.includes(true)) return copyOf;
  const samples = await readMergeSamples(jobs, members);
  const keepsWeightsOf = (copy: number, source: number) => {
    let kept = 0;
    for (const [l, layer] of samples[copy]!.entries()) {
      const other = samples[source]![l]!;
      for (let at = 0; at < layer.length; at++) {
        if (layer[at] === 0) continue;
        if (layer[at] !== other[at]) return false;
        kept++;
      }
    }
    return kept > 0;
  };
  for (let i = 0; i < k; i++) {
    if (!pruned[i]) continue;
    const source = members.findIndex((_, j) => j !== i && !pruned[j] && keepsWeightsOf(i, j));
    copyOf[i] = source;
  }
  return copyOf;
}
