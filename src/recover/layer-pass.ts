/**
 * The one pass over the weights. Each selected layer is read once for every model of an
 * architecture group (one layer of every model in memory at a time) and everything recovery
 * needs from it is computed while it is there:
 *
 *   layer l of models 1..n ─┬─ per-model statistics (moments, kurtosis, entropy, min, max)
 *                           ├─ per-pair max |Δ| and mean |Δ|          (distance layers)
 *                           └─ per-model low-rank sketch               (LoRA layers)
 *
 * Layers are independent, so they are spread over a small pool of Bun Workers (both cores);
 * small jobs run in-process, where a worker's start-up would cost more than it saves.
 */
import type { LayerKind, LayerStats, TensorInfo } from "../types.ts";
import { readTensor, TensorScratch } from "../io/read-safetensors.ts";
import { MotherError } from "../errors.ts";
import { layerStats } from "../stats/layer-stats.ts";
import { absoluteDifference } from "../distance/elementwise-distance.ts";
import { makeSketcher, type LayerSketch } from "./low-rank-sketch.ts";

/** What a layer is read for. */
export interface LayerRoles {
  /** Feeds ℓ_FT and the clustering distance: pairwise max |Δ| and mean |Δ|. */
  readonly distance: boolean;
  /** Feeds the directional score (its statistics). */
  readonly score: boolean;
  /** Feeds ℓ_LoRA: keep a low-rank sketch per model. */
  readonly sketch: boolean;
}

/** One layer to read: the same parameter name in every model of the group. */
export interface LayerJob {
  readonly name: string;
  readonly kind: LayerKind;
  readonly shape: readonly number[];
  /** tensors[i] is this layer in model i. */
  readonly tensors: readonly TensorInfo[];
  readonly roles: LayerRoles;
  readonly sketchSize: number;
  /** Histogram bins for the entropy statistic; 0 skips the histogram (entropy = NaN). */
  readonly histogramBins: number;
}

/** Everything recovery keeps of one layer after its weights are dropped. */
export interface LayerResult {
  readonly name: string;
  readonly stats: LayerStats[];
  /** n×n symmetric raw max |u_l − v_l| (distance layers only; empty otherwise). */
  readonly maxAbsDiff: Float64Array;
  /** n×n symmetric mean |u_l − v_l| (distance layers only; empty otherwise). */
  readonly meanAbsDiff: Float64Array;
  /** One sketch per model (LoRA layers only; empty otherwise). */
  readonly sketches: LayerSketch[];
}

/**
 * Read buffers, one per model slot, reused from layer to layer: all n tensors of a layer are
 * alive together, and fresh memory for each read costs more than the read itself (bench/read-tensor.ts).
 */
const scratches: TensorScratch[] = [];

/** layerStats, with a non-finite weight reported against the file and tensor it came from. */
function statsNamingTheTensor(values: Float32Array | Float64Array, tensor: TensorInfo, histogramBins: number): LayerStats {
  try {
    return layerStats(values, histogramBins);
  } catch (error) {
    if (!(error instanceof MotherError)) throw error;
    throw new MotherError(tensor.file, `tensor ${tensor.name} holds a non-finite weight`, { help: "NaN/Inf weights usually mean a diverged or corrupt checkpoint" });
  }
}

/** Reads one layer of every model and reduces it (runs in a worker or in-process). */
export async function analyseLayer(job: LayerJob): Promise<LayerResult> {
  const n = job.tensors.length;
  const values: (Float32Array | Float64Array)[] = [];
  const stats: LayerStats[] = [];
  for (const [m, tensor] of job.tensors.entries()) {
    // The statistics sweep finds NaN/Inf anyway, so the reader's own check pass is skipped.
    const data = await readTensor(tensor, (scratches[m] ??= new TensorScratch()), { checkFinite: false });
    stats.push(statsNamingTheTensor(data, tensor, job.histogramBins));
    values.push(data);
  }
  const maxAbsDiff = job.roles.distance ? new Float64Array(n * n) : new Float64Array(0);
  const meanAbsDiff = job.roles.distance ? new Float64Array(n * n) : new Float64Array(0);
  if (job.roles.distance) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const { max, mean } = absoluteDifference(values[i]!, values[j]!);
        maxAbsDiff[i * n + j] = maxAbsDiff[j * n + i] = max;
        meanAbsDiff[i * n + j] = meanAbsDiff[j * n + i] = mean;
      }
    }
  }
  let sketches: LayerSketch[] = [];
  if (job.roles.sketch && job.shape.length === 2) {
    const sketch = makeSketcher(job.shape[0]!, job.shape[1]!, job.sketchSize);
    sketches = values.map((v, m) => sketch(v, job.tensors[m]!.dtype));
  }
  return { name: job.name, stats, maxAbsDiff, meanAbsDiff, sketches };
}
