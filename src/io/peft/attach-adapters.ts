/**
 * Adapters as models (SPEC §8): each adapter folder found is attached to its base — the model
 * it applies to — and becomes a model of its own, base + Δ (adapter-weights.ts), so it takes
 * part in recovery like any other (a model fine-tuned from the merged adapter finds it as its
 * parent). The base is the model the adapter's config names, when that model is in the set and
 * its shapes fit:
 *
 *   base_model_name_or_path ─► a model whose id or folder is that name (or its last segment),
 *                              or whose path is that path ─► else one whose config.json
 *                              `_name_or_path` is that name (fine-tunes keep their parent's
 *                              there, so only a unique match counts)
 *
 * Anything else is reported, never guessed: an adapter's factors fit every model with its
 * shapes, and their singular subspaces tell the family it was trained in but not the model
 * within it (adapter-family.ts: 200/200 trees, 0/40 parents on VTHR). So an adapter whose named
 * base is absent, whose config names none, or whose shapes fit no model gets no parent and a
 * note — for one whose config names no base, a note naming the tree its update aligns with.
 * Module names that match no tensor of any model are an error: the adapter is not for any
 * model here, or its naming is one we do not map.
 */
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { ModelSource, PeftAdapter } from "../../types.ts";
import { peftModuleMatchesNoTensor } from "../../messages.ts";
import { type AlignmentCandidate, bestAlignedModel } from "./adapter-family.ts";
import { type AdapterMisfit, adapterTensors } from "./adapter-weights.ts";

/** An adapter whose base is not in the set, and why. */
export interface UnattachedAdapter {
  /** As discovered. */
  readonly model: ModelSource;
  /** One line saying why it has no parent. */
  readonly note: string;
  /** For an adapter whose config names no base: the fitting model its update aligns with most (its family, not its parent). */
  readonly alignedWith?: string;
  /** For an adapter whose config names no base, when attachAdapters was told `alignLater`: the models it fits, to search once the trees are known. */
  readonly candidates?: readonly AlignmentCandidate[];
}

/** The set with adapters attached, and those that could not be. */
export interface AttachedAdapters {
  /** Every stored model, and every attached adapter as base + Δ (`base` set), in input order. */
  readonly models: ModelSource[];
  readonly unattached: UnattachedAdapter[];
}

/**
 * Attaches every adapter of `models` to its base (see the module comment). An adapter whose
 * config names another adapter of the set is attached once that one is (its layers are then
 * the other's plus its own update, read through both), so stacks resolve in rounds.
 * `alignLater`: an adapter whose config names no base gets its fitting models (`candidates`)
 * instead of `alignedWith`, for a caller that knows the trees to search them by (place-adapters.ts).
 */
export async function attachAdapters(models: readonly ModelSource[], { alignLater = false } = {}): Promise<AttachedAdapters> {
  const stored = models.filter((model) => !model.adapter);
  if (stored.length === models.length) return { models: [...models], unattached: [] };
  const namesOrPaths = await Promise.all(stored.map(configNameOrPath));
  const attached = new Map<string, ModelSource>();
  let pending = models.filter((model) => model.adapter);
  for (let progress = true; progress; ) {
    progress = false;
    const bases = [...attached.values()];
    for (const model of pending) {
      const base = namedBase(model.adapter!, bases, []);
      const fit = base && adapterTensors(model.adapter!, base.tensors);
      if (!(base && fit && "tensors" in fit) && !(stored.length > 0 && attachToStored(model))) continue;
      if (base && fit && "tensors" in fit) attached.set(model.id, { ...model, tensors: fit.tensors, base: base.id, format: "peft" });
      progress = true;
    }
    pending = pending.filter((model) => !attached.has(model.id));
  }
  const unattached: UnattachedAdapter[] = [];
  for (const model of pending) unattached.push(await unattachedAdapter(model, stored, pending, alignLater));
  return { models: models.filter((model) => !model.adapter || attached.has(model.id)).map((model) => attached.get(model.id) ?? model), unattached };

  /** Attaches `model` to the stored model its config names, when that fits; throws when its modules match no stored model. */
  function attachToStored(model: ModelSource): boolean {
    const adapter = model.adapter!;
    const named = namedBase(adapter, stored, namesOrPaths);
    const fit = named && adapterTensors(adapter, named.tensors);
    if (named && fit && "tensors" in fit) {
      attached.set(model.id, { ...model, tensors: fit.tensors, base: named.id, format: "peft" });
      return true;
    }
    // Only an adapter left without its base is checked against every stored model (an adapter per
    // model of a 10,000-model set made this quadratic: 65 s): a model it fits means no error.
    const misfits: AdapterMisfit[] = [];
    for (const candidate of stored) {
      const candidateFit = adapterTensors(adapter, candidate.tensors);
      if ("tensors" in candidateFit) return false;
      misfits.push(candidateFit.misfit);
    }
    if (misfits.every((misfit) => misfit.reason === "name")) throw peftModuleMatchesNoTensor(adapter.weightsFile, commonestModule(misfits), stored.length);
    return false;
  }
}

/** An adapter left without a base: the note saying why and, when its config names none, the model its update aligns with. */
async function unattachedAdapter(
  model: ModelSource,
  stored: readonly ModelSource[],
  pending: readonly ModelSource[],
  alignLater: boolean,
): Promise<UnattachedAdapter> {
  const adapter = model.adapter!;
  const stacked = namedBase(adapter, pending, []);
  if (stacked && stacked !== model) return { model, note: `adapter ${model.id}: its base ${stacked.id} is an adapter without a base in the set; no parent` };
  const fits = stored.map((candidate) => adapterTensors(adapter, candidate.tensors));
  const fitting = stored.filter((_, m) => "tensors" in fits[m]!).map((candidate) => candidate.id);
  const named = namedBase(adapter, stored, []);
  const fit = named ? fits[stored.indexOf(named)] : undefined;
  const note = unattachedNote(model.id, adapter, named && fit && "misfit" in fit ? { id: named.id, misfit: fit.misfit } : undefined, fitting);
  const candidates = stored.flatMap((candidate, m) => {
    const candidateFit = fits[m]!;
    return adapter.baseModel === undefined && "tensors" in candidateFit ? [{ id: candidate.id, tensors: candidateFit.tensors }] : [];
  });
  if (alignLater && candidates.length > 0) return { model, note, candidates };
  const alignedWith = await bestAlignedModel(candidates);
  return { model, note, ...(alignedWith !== undefined ? { alignedWith } : {}) };
}

/** Why an adapter has no parent, in one line naming it, what its config says and what fits. */
function unattachedNote(id: string, adapter: PeftAdapter, namedMisfit: { id: string; misfit: AdapterMisfit } | undefined, fitting: readonly string[]): string {
  const fits =
    fitting.length === 0
      ? "no model in the set has its shapes"
      : `${fitting.length} model(s) have its shapes (${fitting.slice(0, 4).join(", ")}${fitting.length > 4 ? ", …" : ""}), ` +
        "but an adapter's factors do not tell which of them, if any, it was trained on";
  if (namedMisfit)
    return `adapter ${id}: its config names ${namedMisfit.id}, whose ${namedMisfit.misfit.module} does not fit (${namedMisfit.misfit.detail}); no parent`;
  const named = adapter.baseModel ? `its base ${adapter.baseModel} is not among the inputs` : "its config names no base model";
  return `adapter ${id}: ${named}; ${fits}; no parent`;
}

/**
 * The model of `stored` the adapter's config names (see the module comment), or undefined.
 * `namesOrPaths[m]` is stored[m]'s config.json `_name_or_path`, if any.
 */
export function namedBase(adapter: PeftAdapter, stored: readonly ModelSource[], namesOrPaths: readonly (string | undefined)[]): ModelSource | undefined {
  const name = adapter.baseModel?.replace(/[/\\]+$/, "");
  if (!name) return undefined;
  const last = basename(name.replaceAll("\\", "/"));
  // The first model (in `stored` order) whose id is the name or its last segment, whose folder is that segment, or whose path is the name.
  const { byId, byFolder, byPath } = lookupOf(stored);
  const direct = Math.min(...[byId.get(name), byId.get(last), byFolder.get(last), byPath.get(resolve(name))].map((m) => m ?? Number.POSITIVE_INFINITY));
  if (direct < stored.length) return stored[direct];
  const byConfig = stored.filter((_, m) => namesOrPaths[m] !== undefined && namesOrPaths[m]!.replace(/[/\\]+$/, "") === name);
  return byConfig.length === 1 ? byConfig[0] : undefined;
}

/** Where each id, folder name and resolved path first occurs in a list of models. */
interface NameLookup {
  readonly byId: Map<string, number>;
  readonly byFolder: Map<string, number>;
  readonly byPath: Map<string, number>;
}

/** Lookups by list, built once per list: a set with an adapter per model asked a 10,000-model list 1,000 times (11 s by scanning). */
const lookups = new WeakMap<readonly ModelSource[], NameLookup>();

function lookupOf(models: readonly ModelSource[]): NameLookup {
  let lookup = lookups.get(models);
  if (lookup) return lookup;
  lookup = { byId: new Map(), byFolder: new Map(), byPath: new Map() };
  for (const [m, model] of models.entries()) {
    if (!lookup.byId.has(model.id)) lookup.byId.set(model.id, m);
    const folder = basename(model.path);
    if (!lookup.byFolder.has(folder)) lookup.byFolder.set(folder, m);
    const path = resolve(model.path);
    if (!lookup.byPath.has(path)) lookup.byPath.set(path, m);
  }
  lookups.set(models, lookup);
  return lookup;
}

/** A model folder's config.json `_name_or_path`, when it has one. */
async function configNameOrPath(model: ModelSource): Promise<string | undefined> {
  try {
    const config = JSON.parse(await readFile(join(model.path, "config.json"), "utf8")) as { _name_or_path?: unknown };
    return typeof config._name_or_path === "string" && config._name_or_path !== "" ? config._name_or_path : undefined;
  } catch {
    return undefined;
  }
}

/** The module most models could not find (the adapter's first module when all differ). */
function commonestModule(misfits: readonly AdapterMisfit[]): string {
  const counts = new Map<string, number>();
  for (const misfit of misfits) counts.set(misfit.module, (counts.get(misfit.module) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

/**
 * The note of an adapter whose config names no base, once the tree of the model its update
 * aligns with is known: that tree's root is where its family starts. The model itself is not
 * named: within a family the best-aligned model is the parent 0 times in 40 (adapter-family.ts).
 */
export function familyNote(id: string, root: string): string {
  return (
    `adapter ${id}: its config names no base model; its update's singular subspaces align with the tree rooted at ${root}, ` +
    `so it was trained on ${root} or a descendant, but an adapter's weights do not tell which; no parent`
  );
}
