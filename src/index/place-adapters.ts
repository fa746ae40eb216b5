/**
 * PEFT adapters in a recovery from fingerprints (docs/scale.md, "GGUF copies and adapters").
 * An adapter's index entry is its own files (fingerprint.ts); which model it applies to
 * is decided here for the whole set, exactly as the ordinary path decides it (attachAdapters on
 * every model of the set: the base its config names, when that model is in the set and its
 * shapes fit; stacked adapters in rounds; otherwise no parent and a note, never a guess). An
 * attached adapter then joins the tree of the stored model at the bottom of its stack, and that
 * tree's exact recovery reads it as base + Δ, as the ordinary path does.
 *
 *   fingerprints ─► adapters? ─no─► as they are
 *                            └yes─► every model's headers (as discovered, or opened now) ─► attachAdapters
 *                                   ─► stored fingerprints (clustered) + adapter → its stack's stored model + unattached (notes)
 */
import { resolve } from "node:path";
import type { ModelSource } from "../types.ts";
import { bug } from "../errors.ts";
import { locationOf, openLocatedModels } from "../io/discover-models.ts";
import { bestAlignedInTrees } from "../io/peft/adapter-family.ts";
import { attachAdapters, type UnattachedAdapter } from "../io/peft/attach-adapters.ts";
import type { Fingerprint } from "./fingerprint.ts";

/** The set's adapters placed: what is clustered, where each attached adapter goes, what has no parent. */
export interface PlacedAdapters {
  /** Every fingerprint that is not an adapter's, in the order given. */
  readonly stored: Fingerprint[];
  /** Each attached adapter's fingerprint with the path of the stored model its stack starts from. */
  readonly attached: { readonly fingerprint: Fingerprint; readonly root: string }[];
  readonly unattached: UnattachedAdapter[];
  /**
   * Every model by resolved path, adapters attached (base + Δ), when the set holds adapters;
   * else the models as the caller discovered them, if it did.
   */
  readonly models: ReadonlyMap<string, ModelSource> | undefined;
}

/** Places the adapters among `fingerprints` (see the module comment); `discovered`: the models as discovered, by resolved path, when at hand. */
export async function placeAdapters(
  fingerprints: readonly Fingerprint[],
  discovered: ReadonlyMap<string, ModelSource> | undefined,
  log: (message: string) => void,
): Promise<PlacedAdapters> {
  const adapters = fingerprints.filter((f) => f.format === "peft");
  if (adapters.length === 0) return { stored: [...fingerprints], attached: [], unattached: [], models: discovered };
  const opened = discovered ? [...discovered.values()] : await openIndexedModels(fingerprints, log);
  // In id order, as discoverModels hands them to the ordinary path.
  opened.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const { models, unattached } = await attachAdapters(opened, { alignLater: true });
  const byId = new Map(models.map((model) => [model.id, model]));
  const pathOf = (model: ModelSource) => resolve(model.path);
  const fingerprintOf = new Map(fingerprints.map((f) => [f.path, f]));
  const attached = models.flatMap((model) => {
    if (!model.adapter) return [];
    let root = model;
    for (let steps = 0; root.base !== undefined; steps++) {
      if (steps > models.length) bug(`adapter stack of ${model.id} ends`);
      root = byId.get(root.base) ?? bug(`base ${root.base} of ${root.id} is a model of the set`);
    }
    return [{ fingerprint: fingerprintOf.get(pathOf(model)) ?? bug(`${model.path} has a fingerprint`), root: pathOf(root) }];
  });
  return {
    stored: fingerprints.filter((f) => f.format !== "peft"),
    attached,
    unattached,
    models: new Map(models.map((model) => [pathOf(model), model])),
  };
}

/**
 * Each adapter whose config names no base with the model its update aligns with, searched tree
 * by tree (`trees`: the ids of each tree's members; bestAlignedInTrees) rather than over every
 * fitting model: one such adapter among 9,000 fitting models took 12 s of a 16.6 s recovery.
 */
export async function alignUnattached(unattached: readonly UnattachedAdapter[], trees: readonly (readonly string[])[]): Promise<UnattachedAdapter[]> {
  const aligned: UnattachedAdapter[] = [];
  for (const { candidates, ...adapter } of unattached) {
    const alignedWith = candidates && (await bestAlignedInTrees(candidates, trees));
    aligned.push(alignedWith === undefined ? adapter : { ...adapter, alignedWith });
  }
  return aligned;
}

/**
 * The models behind an index's fingerprints, headers only, under the index's ids: a GGUF file
 * alone in its folder is indexed under the folder's name, which discovering its path would not give.
 */
export function openIndexedModels(fingerprints: readonly Fingerprint[], log: (message: string) => void): Promise<ModelSource[]> {
  return openLocatedModels(fingerprints.map(locationOf), log);
}
