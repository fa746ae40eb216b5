/**
 * Recovery aside, could a copy be recognised before any tree is built? Per model of a set, its
 * storage signature (storage-signature.ts) and the kind it points to; per copy, whether its
 * nearest original in its source's tree is its source (nearest-model.ts), by ℓ_FT and by mean |Δw|.
 */
import { readTensor } from "../../io/read-safetensors.ts";
import { classifyLayer } from "../../layers/classify-layer.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../recover/options.ts";
import type { ModelSource } from "../../types.ts";
import type { DerivedKind } from "./derived-kinds.ts";
import type { MadeCopy } from "./derive-copies.ts";
import type { SourceSet } from "./find-source-sets.ts";
import { layerRanges, nearestModel, type LayeredModel } from "./nearest-model.ts";
import { derivedKindOf, StorageSignatureBuilder, type StorageSignature } from "./storage-signature.ts";
import { bug } from "../../errors.ts";

/** Storage evidence per model of one set: did a copy give itself away before any recovery? */
export interface Recognition {
  readonly set: string;
  /** Model id → signature and the kind it points to ("none" for a trained-looking model). */
  readonly originals: readonly { id: string; signature: StorageSignature; verdict: string }[];
  readonly copies: readonly {
    id: string;
    kind: DerivedKind;
    signature: StorageSignature;
    verdict: string;
    /** Whether the copy's nearest original model of its source's tree is its source, by ℓ_FT and by mean |Δw|. */
    nearestIsSource: { byMax: boolean; byMean: boolean };
  }[];
}

/** The storage evidence of every original of `set` and of every copy (kinds in `kinds` order). */
export async function recogniseCopies(
  set: SourceSet,
  kinds: readonly DerivedKind[],
  copiesOf: ReadonlyMap<DerivedKind, readonly MadeCopy[]>,
): Promise<Recognition> {
  const verdict = async (model: ModelSource) => {
    const signature = await storageSignature(model);
    return { signature, verdict: derivedKindOf(signature) ?? "none" };
  };
  const originals = [];
  for (const model of set.models) originals.push({ id: model.id, ...(await verdict(model)) });
  // Each tree's originals by their distance layers, and the per-layer ranges over that tree.
  const layered = new Map<string, LayeredModel>();
  for (const model of set.models) layered.set(model.id, await distanceLayers(model));
  const treeOf = new Map(set.truth.models.map((m) => [m.id, m.tree]));
  const treeModels = new Map<string, LayeredModel[]>();
  for (const m of set.truth.models) treeModels.set(m.tree, [...(treeModels.get(m.tree) ?? []), layered.get(m.id) ?? bug(`truth model ${m.id} is in the set`)]);
  const ranges = new Map([...treeModels].map(([tree, members]) => [tree, layerRanges(members)]));
  const copies = [];
  for (const kind of kinds) {
    for (const { copy, model } of copiesOf.get(kind) ?? []) {
      const tree = treeOf.get(copy.source) ?? bug(`source ${copy.source} is in the truth`);
      const nearest = nearestModel(
        await distanceLayers(model),
        treeModels.get(tree) ?? bug(`tree ${tree} has originals`),
        ranges.get(tree) ?? bug(`tree ${tree} has layer ranges`),
      );
      copies.push({
        id: copy.id,
        kind,
        ...(await verdict(model)),
        nearestIsSource: { byMax: nearest.byMax === copy.source, byMean: nearest.byMean === copy.source },
      });
    }
  }
  return { set: set.name, originals, copies };
}

/** The storage signature of a model's 2-D matrices. */
async function storageSignature(model: ModelSource): Promise<StorageSignature> {
  const builder = new StorageSignatureBuilder();
  for (const tensor of model.tensors) {
    const columns = tensor.shape[1];
    if (tensor.shape.length === 2 && columns !== undefined) builder.add(await readTensor(tensor), columns, tensor.dtype === "F16");
  }
  return builder.finish();
}

/** The model's ℓ_FT layers (the default distance kinds), sorted by name. */
async function distanceLayers(model: ModelSource): Promise<LayeredModel> {
  const chosen = model.tensors
    .filter((t) => t.shape.length === 2 && DEFAULT_RECOVER_OPTIONS.distanceKinds.includes(classifyLayer(t.name, t.shape)))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const layers = [];
  for (const tensor of chosen) layers.push(await readTensor(tensor));
  return { id: model.id, layers };
}
