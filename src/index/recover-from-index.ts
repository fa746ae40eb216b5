/**
 * `mother recover --index DIR`: the Model Graph of every model in an index, sub-quadratic in
 * the number of models (issue #15, SPEC §9):
 *
 *   index ─1─► fingerprints, each checked (version, files unchanged) ─2─► architecture groups
 *         ─3─► trees = related components of the fingerprints (related-components.ts: every pair, or nearest neighbours)
 *         ─4─► per tree: the exact recovery of today (recoverModels: k² pairs, full layers of its k models only),
 *              or the same tree from the tree cache when its members are unchanged
 *         ─5─► Model Graph (union of the trees)
 *
 * Memory is the fingerprints plus one tree's pairs at a time; files are opened by the tree, k
 * at a time. Only `--trees auto` applies (Ward's cut needs every pair).
 */
import { resolve } from "node:path";
import type { ModelGraph, ModelSource } from "../types.ts";
import { bug } from "../errors.ts";
import {
  changedSinceIndexed,
  duplicateIndexedId,
  emptyIndex,
  fingerprintVersionMismatch,
  indexNeedsAutoTrees,
  peftNothingToRecover,
  unreadableIndexSegment,
} from "../messages.ts";
import { defaultRules } from "../direction/default-rule.ts";
import { trendOf } from "../direction/orient-tree.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../recover/options.ts";
import type { RecoverEffects, RecoveryResult } from "../recover/recover.ts";
import type { DistanceChoice } from "../recover/tree-distance.ts";
import type { LayerStatsRow } from "../stats/stats-table.ts";
import { FINGERPRINT_VERSION, statNow, type Fingerprint } from "./fingerprint.ts";
import { alignUnattached, openIndexedModels, placeAdapters } from "./place-adapters.ts";
import { comparableOf, relatedComponentsYielding } from "./related-components.ts";
import { type CachedTree, TreeCache } from "./tree-cache.ts";
import { TreePool } from "./tree-pool.ts";
import type { SpeculativeTrees } from "./speculative-trees.ts";
import { isOpened, type KnownModel, modelsOf, type TreeJob, treeJobOf } from "./recover-tree-job.ts";
import { mark } from "../ui/timeline.ts";

const SILENT: RecoverEffects = { progress: () => {}, log: () => {} };

/** Recovers the Model Graph of every model in the index at `dir`. */
export async function recoverFromIndex(dir: string, overrides: Partial<RecoverOptions> = {}, effects: RecoverEffects = SILENT): Promise<RecoveryResult> {
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, ...overrides };
  if (options.trees !== "auto") throw indexNeedsAutoTrees(options.trees);
  // 1. Every entry whole, of this version, and still describing its files.
  return recoverFromFingerprints(await checkedFingerprints(dir), new TreeCache(dir), options, effects);
}

/**
 * Steps 2–5 on fingerprints already at hand (sorted by path): from an index, or computed just
 * now by `mother recover` on a large set (recover-at-scale.ts: no tree cache, the models as
 * discovered or located, by resolved path, so that a tree's worker need not discover them again, and the
 * threads that fingerprinted them, started with `options` less the cache folder, and the trees
 * it guessed and started meanwhile).
 */
export async function recoverFromFingerprints(
  fingerprints: readonly Fingerprint[],
  cache: TreeCache | undefined,
  options: RecoverOptions,
  effects: RecoverEffects,
  discovered?: ReadonlyMap<string, KnownModel>,
  threads?: TreePool,
  guesses?: Pick<SpeculativeTrees, "claim" | "settle">,
): Promise<RecoveryResult> {
  // 2. Adapters placed as the ordinary path places them: the set's stored models are clustered, each adapter joins its base's tree.
  //    Models only located (their threads open them) are never a set with adapters (recover-at-scale.ts), else they are opened here.
  const opened = discovered && [...discovered.values()].every(isOpened) ? discovered : undefined;
  const placed = await placeAdapters(fingerprints, opened as ReadonlyMap<string, ModelSource> | undefined, effects.log);
  if (placed.stored.length + placed.attached.length < 2 && placed.unattached[0])
    throw peftNothingToRecover(placed.unattached[0].model.path, placed.unattached[0].note);
  // 3. Trees from the fingerprints, architecture by architecture.
  const byArchitecture = new Map<string, Fingerprint[]>();
  for (const fingerprint of placed.stored) {
    const group = byArchitecture.get(fingerprint.architecture);
    if (group) group.push(fingerprint);
    else byArchitecture.set(fingerprint.architecture, [fingerprint]);
  }
  const components: Fingerprint[][] = [];
  for (const group of byArchitecture.values()) {
    const { components: found, search } = await relatedComponentsYielding(group.map(comparableOf));
    effects.log(`${group.length} models of one architecture: ${found.length} trees from their fingerprints (${search})`);
    mark(`related components of ${group.length} models: ${found.length} (${search})`);
    components.push(...found.map((members) => members.map((m) => group[m]!)));
  }
  joinBases(components, placed.attached);

  // 4. The exact recovery inside each tree, or the tree as recovered before; trees to recover are spread over the cores.
  const treeOptions: RecoverOptions = { ...options, cacheFolder: undefined };
  const keys = cache ? await Promise.all(components.map((members) => (members.length === 1 ? "" : cache.keyOf(members, treeOptions)))) : [];
  // One file open at a time: 10,000 models are ~500 trees.
  const cached: (CachedTree | undefined)[] = [];
  for (const [c, key] of keys.entries())
    cached.push(
      key
        ? await cache?.get(
            key,
            components[c]!.map((m) => m.id),
          )
        : undefined,
    );
  mark("tree cache looked up");
  const missing = components.filter((members, c) => members.length > 1 && !cached[c]).length;
  // The caller's threads when it started them already (they then stay the caller's to close).
  const pool = threads ?? new TreePool(TreePool.workersFor(missing), treeOptions);
  const total = components.reduce((sum, members) => sum + members.reduce((bytes, f) => bytes + bytesOf(f), 0), 0);
  const models: ReadonlyMap<string, KnownModel> | undefined = placed.models ?? discovered;
  // Trees whose models are opened here (GGUF members) open them one tree after another: every tree starts at once, and 500 trees
  // opening 16 headers each at a time would be thousands of open files.
  const opening = { last: Promise.resolve() as Promise<unknown> };
  let done = 0;
  let trees: { graph: ModelGraph; distances: readonly DistanceChoice[] }[];
  let adapterFingerprints: Fingerprint[] = [];
  try {
    // An attached adapter's statistics are those of base + Δ, read now (its entry holds its factors only).
    const adapterModels = placed.attached.map(({ fingerprint }) => placed.models?.get(fingerprint.path) ?? bug(`${fingerprint.path} was opened`));
    const adapterStats = adapterModels.length > 0 ? pool.fingerprint(adapterModels) : Promise.resolve([]);
    adapterStats.catch(() => {}); // awaited after the trees: failing first, it must not be an unhandled rejection (a second, raw error)
    const recovered = components.map(async (members, c) => {
      if (members.length === 1) return loneTree(members[0]!, options);
      let tree = cached[c];
      if (!tree) {
        // A tree started before the components were known (speculative-trees.ts), claimed before this function's first await.
        const guessed = guesses?.claim(members);
        tree = await (guessed ?? pool.recover({ ...treeJobOf(members), ...(await treeModels(members, models, opening, effects.log)) }));
        await cache?.set(keys[c]!, tree);
      }
      done += members.reduce((sum, f) => sum + bytesOf(f), 0);
      effects.progress(done, total);
      return tree;
    });
    guesses?.settle();
    pool.finishing(); // every tree is submitted (those opened first, GGUF members, as they open)
    trees = await Promise.all(recovered);
    adapterFingerprints = await adapterStats;
    mark("trees recovered");
  } finally {
    if (!threads) pool.close();
  }
  effects.log(
    cache
      ? `${components.length} trees: ${missing} recovered from their weights, ${components.length - missing} unchanged since the last recovery`
      : `${components.length} trees: ${missing} recovered from their weights`, // no index: nothing is kept from one run to the next
  );
  const graphModels = trees.flatMap((tree) => tree.graph.models);
  const edges = trees.flatMap((tree) => tree.graph.edges);
  const treeLists = trees.flatMap((tree) => tree.graph.trees.map((t) => [...t]));
  const notes = [...new Set(trees.flatMap((tree) => tree.graph.notes ?? []))];
  const distances = trees.flatMap((tree) => tree.distances);
  // Trees restored from an older cache carry no directions: the graph then has none rather than some.
  const directions = trees.every((tree) => tree.graph.directions) ? trees.flatMap((tree) => tree.graph.directions ?? []) : undefined;

  // 5. The union; per-layer statistics come from the fingerprints. Adapters without a base are trees of their own, with a note.
  const layerStats: LayerStatsRow[] = [...placed.stored, ...adapterFingerprints].flatMap((f) =>
    f.layers.map((layer, l) => ({ model: f.id, layer: layer.name, kind: layer.kind, shape: layer.shape, stats: f.stats[l]! })),
  );
  const graph = { models: graphModels, edges, trees: treeLists, notes, ...(directions ? { directions } : {}) };
  if (placed.unattached.length === 0) return { graph, distances, layerStats };
  // Adapters whose config names no base: the tree their update aligns with, searched tree by tree.
  const unattached = await alignUnattached(
    placed.unattached,
    components.map((members) => members.map((f) => f.id)),
  );
  if (unattached.some((adapter) => adapter.alignedWith !== undefined)) mark("adapters without a named base aligned");
  // Loaded only for adapters without a base: the main thread of `mother recover` on a large set otherwise never loads the layer pass's modules.
  const { withUnattached } = await import("../recover/recover.ts");
  return withUnattached({ graph, distances, layerStats }, unattached, effects.log);
}

/** Adds each attached adapter to the tree of the stored model its stack starts from (members kept in path order). */
function joinBases(components: Fingerprint[][], attached: readonly { fingerprint: Fingerprint; root: string }[]): void {
  if (attached.length === 0) return;
  const componentOf = new Map<string, Fingerprint[]>();
  for (const members of components) for (const member of members) componentOf.set(member.path, members);
  for (const { fingerprint, root } of attached) (componentOf.get(root) ?? bug(`${root} is in a tree`)).push(fingerprint);
  for (const members of new Set(componentOf.values())) members.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The models of a tree for its job: as opened or located already (recover-at-scale.ts, or a set
 * with adapters), else opened now when a member is not safetensors (a tree's worker discovering a
 * GGUF file's path would name it by its file, not by its folder as the index does; one tree
 * at a time, after `opening.last`); else none, and the worker discovers the paths.
 */
async function treeModels(
  members: readonly Fingerprint[],
  models: ReadonlyMap<string, KnownModel> | undefined,
  opening: { last: Promise<unknown> },
  log: (message: string) => void,
): Promise<Pick<TreeJob, "models" | "locations">> {
  if (models) return modelsOf(members, models);
  if (members.every((m) => m.format === "safetensors")) return {};
  const open = opening.last.catch(() => {}).then(() => openIndexedModels(members, log));
  opening.last = open;
  const opened = new Map((await open).map((model) => [resolve(model.path), model]));
  return { models: members.map((m) => opened.get(m.path) ?? bug(`${m.path} was opened`)) };
}

/** The index's fingerprints sorted by path; throws one clear line for anything that would make the graph wrong. */
async function checkedFingerprints(dir: string): Promise<Fingerprint[]> {
  // Loaded only here: apache-arrow takes ~0.035 s to import, and `mother recover` on a large set (recover-at-scale.ts) keeps no index.
  const { loadIndex } = await import("./index-store.ts");
  const loaded = await loadIndex(dir);
  if (loaded.bad.length > 0) throw unreadableIndexSegment(loaded.bad[0]!.file, loaded.bad[0]!.problem);
  const fingerprints = [...loaded.entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (fingerprints.length === 0) throw emptyIndex(dir);
  const ids = new Map<string, string>();
  for (const fingerprint of fingerprints) {
    if (fingerprint.version !== FINGERPRINT_VERSION) throw fingerprintVersionMismatch(fingerprint.path, fingerprint.version, FINGERPRINT_VERSION);
    const other = ids.get(fingerprint.id);
    if (other) throw duplicateIndexedId(fingerprint.id, other, fingerprint.path);
    ids.set(fingerprint.id, fingerprint.path);
    for (const [file, size, mtimeMs] of fingerprint.files) {
      let now: { size: number; mtimeMs: number };
      try {
        now = await statNow(file);
      } catch {
        throw changedSinceIndexed(file, "no longer there");
      }
      if (now.size !== size) throw changedSinceIndexed(file, `size ${size} → ${now.size} bytes`);
      if (now.mtimeMs !== mtimeMs) throw changedSinceIndexed(file, "modified");
    }
  }
  return fingerprints;
}

/** A tree of one model: no edge; its score from the fingerprint's statistics. */
function loneTree(fingerprint: Fingerprint, options: RecoverOptions): { graph: ModelGraph; distances: DistanceChoice[] } {
  const stats = fingerprint.stats.filter((_, l) => fingerprint.layers[l]!.score);
  const stage = options.stages[fingerprint.id] ?? (options.stage === "auto" ? "specialization" : options.stage);
  // The rule an ℓ_FT tree of this model would be scored by (the direction registry's default policy).
  const rule = defaultRules("ft", stage === "generalization", options).first;
  const score = stats.reduce((total, layer) => total + rule.statistic(layer), 0);
  const direction = { root: fingerprint.id, rule: rule.name, trend: trendOf(rule, [stage]), margin: 0, decidedBy: "single" as const };
  return {
    graph: { models: [{ id: fingerprint.id, path: fingerprint.path, stage, score }], edges: [], trees: [[fingerprint.id]], notes: [], directions: [direction] },
    distances: ["ft"],
  };
}

/** Bytes of a model's files. */
function bytesOf(fingerprint: Fingerprint): number {
  return fingerprint.files.reduce((sum, [, size]) => sum + size, 0);
}
