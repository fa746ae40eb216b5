/**
 * Which layer kinds keep a long fine-tune nearer its parent than its short sibling (issue #13 item 4: "measure per-layer-kind
 * distances"). The commonest misplacement of language-model trees hangs a long stage c (code, 600 steps) under a short
 * sibling s (an instruction tune of the same parent p) because ‖c − s‖ < ‖c − p‖: s moved part of the way c moved. If one
 * kind of layer carried that pull (embeddings of the tokens both corpora share, say), leaving it out or reweighting it would
 * place c right. Per true sibling triple (p; long c, short s — long and short by the Frobenius distance over attention and
 * MLP) and per layer kind, this counts the layers with ‖c_l − p_l‖ < ‖c_l − s_l‖ (the layer sides with the true parent) and
 * whether the kind's layers together do (Frobenius over them). Weight matrices, and the norms' 1-D scales; nothing is fitted.
 */
import type { LayerKind, ModelSource, TruthGraph } from "../../types.ts";
import { readTensor } from "../../io/read-safetensors.ts";
import { classifyLayer } from "../../layers/classify-layer.ts";
import { formatTable } from "../../report/print-table.ts";
import { FAMILY_POOLS, inPool } from "./family-placement.ts";
import type { FamilyBenchmark } from "./family-benchmarks.ts";

/** The kinds compared, one row each (norms: their 1-D scales); the last row pools attention and MLP (the blocks). */
export const PULL_KINDS: readonly LayerKind[] = [
  "query",
  "key",
  "value",
  "qkv",
  "attention-output",
  "mlp-in",
  "mlp-gate",
  "mlp-out",
  "embedding",
  "head",
  "norm",
];
const BLOCKS: readonly LayerKind[] = PULL_KINDS.filter((kind) => kind !== "embedding" && kind !== "head" && kind !== "norm");

/** One row: a layer kind (or "blocks"), over a family's sibling triples. */
export interface KindPull {
  readonly kind: LayerKind | "blocks";
  /** Layers (summed over triples) closer to the true parent than to the short sibling, and layers compared. */
  readonly layersRight: number;
  readonly layers: number;
  /** Triples where the kind's layers together (Frobenius) put the long child nearer its parent, and triples compared. */
  readonly triplesRight: number;
  readonly triples: number;
}

/** Reads every weight matrix of a PULL_KINDS kind and each norm's scale (families are small: all in memory) and counts per kind. */
export async function layerKindPull(models: readonly ModelSource[], truth: TruthGraph): Promise<KindPull[]> {
  const k = models.length;
  const layers: { kind: LayerKind; squares: Float64Array }[] = [];
  for (const first of models[0]!.tensors) {
    const kind = classifyLayer(first.name, first.shape);
    if (first.shape.length !== (kind === "norm" ? 1 : 2) || !PULL_KINDS.includes(kind)) continue;
    const tensors = models.map((m) => m.tensors.find((t) => t.name === first.name && t.shape.join() === first.shape.join()));
    if (tensors.some((t) => t === undefined)) continue;
    layers.push({ kind, squares: squaredDistances(await Promise.all(tensors.map((t) => readTensor(t!)))) });
  }
  return kindPull(
    layers,
    siblingTriples(
      models.map((m) => m.id),
      truth,
      (i, j) => layers.reduce((sum, l) => sum + (BLOCKS.includes(l.kind) ? l.squares[i * k + j]! : 0), 0),
    ),
    k,
  );
}

/** k × k squared Frobenius distances between the models' values of one layer. */
export function squaredDistances(values: readonly (Float32Array | Float64Array)[]): Float64Array {
  const k = values.length;
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const [a, b] = [values[i]!, values[j]!];
      let sum = 0;
      for (let x = 0; x < a.length; x++) sum += (a[x]! - b[x]!) ** 2;
      out[i * k + j] = out[j * k + i] = sum;
    }
  }
  return out;
}

/** Every (parent, long child, short child) of the true tree, as indices into `ids`; `squared(i, j)` says which child is longer. */
export function siblingTriples(ids: readonly string[], truth: TruthGraph, squared: (i: number, j: number) => number): [number, number, number][] {
  const at = new Map(ids.map((id, i) => [id, i]));
  const children = new Map<number, number[]>();
  for (const edge of truth.edges) {
    const [p, c] = [at.get(edge.parent), at.get(edge.child)];
    if (p !== undefined && c !== undefined) children.set(p, [...(children.get(p) ?? []), c]);
  }
  const triples: [number, number, number][] = [];
  for (const [p, cs] of children) for (const c of cs) for (const s of cs) if (c !== s && squared(p, c) > squared(p, s)) triples.push([p, c, s]);
  return triples;
}

/** Per kind (and the blocks pooled), the counts of KindPull over `triples` from each layer's k × k squared distances. */
export function kindPull(layers: readonly { kind: LayerKind; squares: Float64Array }[], triples: readonly [number, number, number][], k: number): KindPull[] {
  const rows = [...PULL_KINDS.map((kind) => [kind, [kind]] as const), ["blocks", BLOCKS] as const];
  return rows.flatMap(([kind, kinds]) => {
    const chosen = layers.filter((l) => kinds.includes(l.kind));
    if (chosen.length === 0) return [];
    let layersRight = 0;
    let triplesRight = 0;
    for (const [p, c, s] of triples) {
      let toParent = 0;
      let toSibling = 0;
      for (const { squares } of chosen) {
        if (squares[c * k + p]! < squares[c * k + s]!) layersRight++;
        toParent += squares[c * k + p]!;
        toSibling += squares[c * k + s]!;
      }
      if (toParent < toSibling) triplesRight++;
    }
    return [{ kind, layersRight, layers: chosen.length * triples.length, triplesRight, triples: triples.length }];
  });
}

/** Rows per kind, "triples right/triples; layers right/layers" pooled per FAMILY_POOLS and over every benchmark given. */
export function pullTable(
  results: readonly { readonly kind: FamilyBenchmark["kind"]; readonly heldOutSet: FamilyBenchmark["heldOutSet"]; readonly pull: readonly KindPull[] }[],
): string {
  const pools = [...FAMILY_POOLS.filter((pool) => results.some((r) => inPool(r, pool))), { label: "all" }];
  const labels = [...PULL_KINDS, "blocks" as const].filter((kind) => results.some((r) => r.pull.some((p) => p.kind === kind)));
  const rows = labels.map((kind) => [
    kind,
    ...pools.map((pool) => {
      const found = results.filter((r) => inPool(r, pool)).flatMap((r) => r.pull.filter((p) => p.kind === kind));
      const sum = (pick: (p: KindPull) => number) => found.reduce((total, p) => total + pick(p), 0);
      return `${sum((p) => p.triplesRight)}/${sum((p) => p.triples)}; layers ${sum((p) => p.layersRight)}/${sum((p) => p.layers)}`;
    }),
  ]);
  const title =
    "Long child nearer its parent than its short sibling, per layer kind (true sibling triples): triples where the kind's layers together say so; layers that do";
  return formatTable(title, ["layer kind", ...pools.map((pool) => `pooled ${pool.label}`)], rows).join("\n");
}
