/**
 * Candidate ℓ_FT variants on one family, for placement alone (issue #13 item 4: "measure
 * per-layer-kind distances, the paper's max, normalisations"): every pair's distance under
 * each variant and layer set, and how many true edges the variant's minimum spanning tree
 * holds (undirected: no direction prior, so placement is measured apart from orientation).
 *
 * Variants, per layer, summed (or maxed) over the layers of a set:
 * - max:      max |Δw| / the layer's range over the family (the paper's ℓ_FT; max over layers)
 * - mean:     mean |Δw| / the layer's RMS over the family (summed; recovery's "mean")
 * - geometric: √(max · mean) (recovery's default)
 * - l2:       mean (Δw)² / RMS² (summed; a squared Euclidean distance)
 * - scaled-mean / scaled-max / scaled-geometric: each model's layer divided by its own RMS
 *             first, so a uniform shrink (weight decay) or growth of a layer is no distance
 * - cosine:   1 − cos(u_l, v_l) (summed)
 */
import type { LayerKind, ModelSource, TruthGraph } from "../../types.ts";
import { readTensor } from "../../io/read-safetensors.ts";
import { classifyLayer } from "../../layers/classify-layer.ts";
import { assert } from "../../errors.ts";
import { formatTable } from "../../report/print-table.ts";
import { recoverTree } from "../../recover/recover-tree.ts";
import { evaluateGraph } from "../../recover/evaluate-graph.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import { scoreRule } from "../../direction/registry.ts";
import { familyMatrices } from "./family-matrices.ts";
import { FAMILY_POOLS, inPool, undirectedMatches } from "./family-placement.ts";
import type { FamilyBenchmark } from "./family-benchmarks.ts";

/** The variants, in table order. */
export const DISTANCE_VARIANTS = ["max", "mean", "geometric", "l2", "scaled-mean", "scaled-max", "scaled-geometric", "cosine"] as const;
export type DistanceVariant = (typeof DISTANCE_VARIANTS)[number];

/** Layer sets compared (weights only). */
export const LAYER_SETS: Readonly<Record<string, readonly LayerKind[]>> = {
  attention: ["query", "key", "value", "qkv", "attention-output"],
  mlp: ["mlp-in", "mlp-gate", "mlp-out"],
  "attention+mlp": ["query", "key", "value", "qkv", "attention-output", "mlp-in", "mlp-gate", "mlp-out"],
  embeddings: ["embedding", "head"],
};

/** Per pair (k × k, row-major over `ids`) raw per-layer terms, kept to combine per variant. */
interface LayerTerms {
  readonly kind: LayerKind;
  readonly maxAbs: Float64Array;
  readonly meanAbs: Float64Array;
  readonly meanSquare: Float64Array;
  readonly scaledMean: Float64Array;
  readonly scaledMax: Float64Array;
  readonly cosine: Float64Array;
  readonly range: number;
  readonly rms: number;
}

/** Placement of every variant × layer set: true edges in its minimum spanning tree, and under recovery's direction prior. */
export interface VariantPlacement {
  readonly variant: DistanceVariant;
  readonly layers: string;
  readonly placed: number;
  readonly trueEdges: number;
  /** With the defaults' score and λ (`--stage auto`, both orientations): true edges right, and right in either direction. */
  readonly withPrior: { readonly directed: number; readonly placed: number };
}

/** Reads every 2-D weight of the models (all in memory: families are small) and scores each variant. */
export async function distanceVariants(models: readonly ModelSource[], truth: TruthGraph): Promise<VariantPlacement[]> {
  const ids = models.map((m) => m.id);
  // The defaults' directional scores (family-matrices.ts: the default rule over the score layers), oriented as recovery does.
  const family = await familyMatrices(models);
  const oriented = family.scores.map((value) => -scoreRule(family.statistic).trend * value);
  return [...(await variantMatrices(models))].map(({ layers, variant, matrix }) => {
    const tree = recoverTree({
      distance: matrix,
      scores: oriented,
      stages: ids.map(() => "auto" as const),
      lambda: DEFAULT_RECOVER_OPTIONS.lambda,
    });
    const edges = [...tree.parent].flatMap((p, i) => (p < 0 ? [] : [{ parent: ids[p]!, child: ids[i]! }]));
    const directed = evaluateGraph({ edges, trees: [[...ids]] }, truth).edges.correct;
    return {
      variant,
      layers,
      placed: spanningTreeMatches(matrix, ids, truth),
      trueEdges: truth.edges.length,
      withPrior: { directed, placed: undirectedMatches(edges, truth.edges) },
    };
  });
}

/** Every variant's k × k distance (rows in `models` order) for each layer set the models have. */
export async function variantMatrices(models: readonly ModelSource[]): Promise<{ layers: string; variant: DistanceVariant; matrix: Float64Array }[]> {
  const names = models[0]!.tensors.filter((t) => t.shape.length === 2).map((t) => t.name);
  const terms: LayerTerms[] = [];
  for (const name of names) {
    const tensors = models.map((m) => m.tensors.find((t) => t.name === name));
    if (tensors.some((t) => t === undefined)) continue;
    const values = await Promise.all(tensors.map((t) => readTensor(t!)));
    terms.push(layerTerms(classifyLayer(name, tensors[0]!.shape), values));
  }
  const out: { layers: string; variant: DistanceVariant; matrix: Float64Array }[] = [];
  for (const [layers, kinds] of Object.entries(LAYER_SETS)) {
    const chosen = terms.filter((t) => kinds.includes(t.kind));
    if (chosen.length === 0) continue;
    for (const variant of DISTANCE_VARIANTS) out.push({ layers, variant, matrix: combine(variant, chosen, models.length) });
  }
  return out;
}

function layerTerms(kind: LayerKind, values: readonly (Float32Array | Float64Array)[]): LayerTerms {
  const k = values.length;
  const n = values[0]!.length;
  const rmsOf = values.map((v) => {
    let sum = 0;
    for (const x of v) sum += x * x;
    return Math.sqrt(sum / n);
  });
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    for (const x of v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
  }
  const pairs = () => new Float64Array(k * k);
  const terms = { maxAbs: pairs(), meanAbs: pairs(), meanSquare: pairs(), scaledMean: pairs(), scaledMax: pairs(), cosine: pairs() };
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const a = values[i]!;
      const b = values[j]!;
      let maxAbs = 0;
      let sumAbs = 0;
      let sumSquare = 0;
      let scaledSum = 0;
      let scaledMax = 0;
      let dot = 0;
      for (let x = 0; x < n; x++) {
        const d = Math.abs(a[x]! - b[x]!);
        const scaled = Math.abs(a[x]! / rmsOf[i]! - b[x]! / rmsOf[j]!);
        maxAbs = Math.max(maxAbs, d);
        sumAbs += d;
        sumSquare += d * d;
        scaledSum += scaled;
        scaledMax = Math.max(scaledMax, scaled);
        dot += a[x]! * b[x]!;
      }
      const set = (m: Float64Array, value: number) => {
        m[i * k + j] = m[j * k + i] = value;
      };
      set(terms.maxAbs, maxAbs);
      set(terms.meanAbs, sumAbs / n);
      set(terms.meanSquare, sumSquare / n);
      set(terms.scaledMean, scaledSum / n);
      set(terms.scaledMax, scaledMax);
      set(terms.cosine, 1 - dot / (n * rmsOf[i]! * rmsOf[j]!));
    }
  }
  const rms = rmsOf.reduce((sum, r) => sum + r, 0) / k;
  return { kind, ...terms, range: max - min, rms };
}

/** One variant's k × k distance over the chosen layers. */
function combine(variant: DistanceVariant, layers: readonly LayerTerms[], k: number): Float64Array {
  const sum = (term: (layer: LayerTerms, at: number) => number) => Float64Array.from({ length: k * k }, (_, at) => layers.reduce((s, l) => s + term(l, at), 0));
  const maxOf = (term: (layer: LayerTerms, at: number) => number) =>
    Float64Array.from({ length: k * k }, (_, at) => layers.reduce((m, l) => Math.max(m, term(l, at)), 0));
  const max = () => maxOf((l, at) => (l.range > 0 ? l.maxAbs[at]! / l.range : 0));
  const mean = () => sum((l, at) => (l.rms > 0 ? l.meanAbs[at]! / l.rms : 0));
  if (variant === "max") return max();
  if (variant === "mean") return mean();
  if (variant === "geometric") {
    const a = max();
    const b = mean();
    return a.map((value, at) => Math.sqrt(value * b[at]!));
  }
  if (variant === "l2") return sum((l, at) => (l.rms > 0 ? l.meanSquare[at]! / (l.rms * l.rms) : 0));
  if (variant === "scaled-mean") return sum((l, at) => l.scaledMean[at]!);
  if (variant === "scaled-max") return maxOf((l, at) => l.scaledMax[at]!);
  if (variant === "scaled-geometric") {
    const a = maxOf((l, at) => l.scaledMax[at]!);
    const b = sum((l, at) => l.scaledMean[at]!);
    return a.map((value, at) => Math.sqrt(value * b[at]!));
  }
  return sum((l, at) => l.cosine[at]!);
}

/** True edges (either direction) in the minimum spanning tree of `matrix` (Prim; ties to the lower index). */
export function spanningTreeMatches(matrix: Float64Array, ids: readonly string[], truth: TruthGraph): number {
  const k = ids.length;
  assert(matrix.length === k * k, "spanning tree: matrix size");
  const inTree = new Uint8Array(k);
  inTree[0] = 1;
  const edges = new Set<string>();
  for (let added = 1; added < k; added++) {
    let best = Infinity;
    let from = -1;
    let to = -1;
    for (let i = 0; i < k; i++) {
      if (!inTree[i]) continue;
      for (let j = 0; j < k; j++) {
        if (inTree[j] || !(matrix[i * k + j]! < best)) continue;
        best = matrix[i * k + j]!;
        from = i;
        to = j;
      }
    }
    inTree[to] = 1;
    edges.add(`${ids[from]}|${ids[to]}`).add(`${ids[to]}|${ids[from]}`);
  }
  return truth.edges.filter((e) => edges.has(`${e.parent}|${e.child}`)).length;
}

/** Rows variant × layer set, a column per benchmark ("placed/true") and pooled per kind. */
export function variantTable(
  results: readonly {
    readonly benchmark: string;
    readonly kind: FamilyBenchmark["kind"];
    readonly heldOutSet: FamilyBenchmark["heldOutSet"];
    readonly placements: readonly VariantPlacement[];
  }[],
): string {
  const keys = [...new Set(results.flatMap((r) => r.placements.map((p) => `${p.layers}|${p.variant}`)))];
  const pools = FAMILY_POOLS.filter((pool) => results.some((r) => inPool(r, pool)));
  const rows = keys.map((key) => {
    const find = (r: (typeof results)[number]) => r.placements.find((p) => `${p.layers}|${p.variant}` === key);
    const pooled = pools.map((pool) => {
      const found = results.filter((r) => inPool(r, pool)).map(find);
      const total = (pick: (p: VariantPlacement) => number) => found.reduce((s, p) => s + (p ? pick(p) : 0), 0);
      return `${total((p) => p.placed)}/${total((p) => p.trueEdges)}; prior ${total((p) => p.withPrior.directed)} (${total((p) => p.withPrior.placed)})`;
    });
    return [key.replace("|", " · "), ...results.map((r) => (find(r) ? `${find(r)!.placed}/${find(r)!.trueEdges}` : "–")), ...pooled];
  });
  const title =
    "True edges in each distance variant's minimum spanning tree (placement without a direction prior); pooled also with the defaults' prior: directed (placed)";
  return formatTable(title, ["layers · variant", ...results.map((r) => r.benchmark), ...pools.map((pool) => `pooled ${pool.label}`)], rows).join("\n");
}
