/**
 * Generated collections for bench/recover-scale.ts: `models` small ViT-like models (hidden 48,
 * 3 blocks of query/key/value/output + MLP in/out, f32: 0.33 MB each) in trees of `treeSize`,
 * everything from seeds. Each tree is a random recursive tree: model i of a tree is fine-tuned
 * from one of models 0 … i − 1. A root is heavy-tailed (Laplace, kurtosis 6); a fine-tune adds
 * Gaussian noise of `step` × the root's scale (kurtosis falls down the tree, as in
 * test/fixtures/synthetic-trees.ts). Writes <dir>/<id>/model.safetensors, skipping the work
 * when the set is already there, and returns the truth in the `mother evaluate` format.
 */
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { TruthGraph } from "../src/types.ts";
import { writeSafetensors, type TensorToWrite } from "../src/io/write-safetensors.ts";
import { vitBlockShapes } from "./synthetic-weights.ts";

/** The shape of a generated collection. */
export interface ScaleSetSpec {
  readonly models: number;
  readonly treeSize: number;
  readonly hidden: number;
  readonly blocks: number;
  /** A fine-tune's noise relative to the root's scale. */
  readonly step: number;
  readonly seed: number;
}

/** ~0.33 MB per model, trees of 20 (issue #15). */
export const SCALE_SET_DEFAULTS: Omit<ScaleSetSpec, "models"> = { treeSize: 20, hidden: 48, blocks: 3, step: 0.15, seed: 1 };

/** xorshift32 state → uniform in (0, 1). */
function generator(seed: number): () => number {
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
}

function layerShapes(spec: ScaleSetSpec): [string, number[]][] {
  return Array.from({ length: spec.blocks }, (_, b) => vitBlockShapes(b, spec.hidden)).flat();
}

/** The id of model `m` (zero-padded so ids sort as numbers). */
export function scaleModelId(m: number): string {
  return `m${m.toString().padStart(6, "0")}`;
}

/** Writes the collection into `dir` (unless it is complete already); returns the truth. */
export async function writeScaleSet(dir: string, spec: ScaleSetSpec, only?: readonly number[]): Promise<TruthGraph> {
  const truth = scaleTruth(spec);
  let existing = 0;
  try {
    existing = (await readdir(dir)).filter((name) => name.startsWith("m")).length;
  } catch {}
  if (existing === spec.models && !only) return truth;
  const shapes = layerShapes(spec);
  const wanted = only ? new Set(only) : undefined;
  for (let first = 0; first < spec.models; first += spec.treeSize) {
    const size = Math.min(spec.treeSize, spec.models - first);
    const pick = generator(spec.seed * 7_919 + first);
    const weights: Float32Array[][] = [];
    for (let i = 0; i < size; i++) {
      const parent = i === 0 ? -1 : Math.floor(pick() * i);
      const random = generator(spec.seed * 1_000_003 + first + i);
      const layers = shapes.map(([, [rows, cols]], l) => {
        const count = rows! * cols!;
        const out = new Float32Array(count);
        const base = parent >= 0 ? weights[parent]![l]! : undefined;
        for (let k = 0; k < count; k++) {
          if (base) {
            // Box–Muller, one normal per pair of uniforms (enough for a benchmark).
            out[k] = base[k]! + spec.step * 0.02 * Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
          } else out[k] = 0.02 * (Math.log(random()) - Math.log(random())) * (1 / Math.SQRT2);
        }
        return out;
      });
      weights.push(layers);
      const m = first + i;
      if (wanted && !wanted.has(m)) continue;
      const folder = join(dir, scaleModelId(m));
      await mkdir(folder, { recursive: true });
      const tensors: TensorToWrite[] = shapes.map(([name, shape], l) => ({ name, dtype: "F32", shape, data: layers[l]! }));
      await writeSafetensors(join(folder, "model.safetensors"), tensors);
    }
  }
  return truth;
}

/** The truth of a collection (the same draws as writeScaleSet, no weights). */
export function scaleTruth(spec: ScaleSetSpec): TruthGraph {
  const models: { id: string; stage: "specialization"; tree: string }[] = [];
  const edges: { parent: string; child: string }[] = [];
  for (let first = 0; first < spec.models; first += spec.treeSize) {
    const size = Math.min(spec.treeSize, spec.models - first);
    const pick = generator(spec.seed * 7_919 + first);
    for (let i = 0; i < size; i++) {
      const parent = i === 0 ? -1 : Math.floor(pick() * i);
      models.push({ id: scaleModelId(first + i), stage: "specialization", tree: scaleModelId(first) });
      if (parent >= 0) edges.push({ parent: scaleModelId(first + parent), child: scaleModelId(first + i) });
    }
  }
  return { models, edges };
}
