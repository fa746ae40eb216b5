/**
 * A direction benchmark (issue #13 item 5): a set of model trees with known parents and stage
 * labels, read from the artefact cache — never trained by the leaderboard. Each entry says how
 * to find its checkpoints and truth, which family it belongs to (leave-one-family-out holds a
 * whole family out), and the command that puts it into the cache when it is missing.
 * The list of benchmarks is benchmarks.ts; the LM families and SD chains are lm-benchmarks.ts.
 */
import { access } from "node:fs/promises";
import type { ModelSource, TruthGraph } from "../../types.ts";
import { ArtifactStore, type Artifact } from "../artifact-store.ts";
import { bug } from "../../errors.ts";
import { MODEL_ARTIFACT_KIND, TRAINER_VERSION, type TrainableModel } from "../train-planned.ts";
import { openModels } from "../vthr/recover-vthr.ts";

/** Which pooled score of issue #13's "done when" a benchmark counts in. */
export type BenchmarkDomain = "vit" | "lm" | "generalization";

/** One benchmark: how to get its trees from the cache, and where it belongs. */
export interface DirectionBenchmark {
  /** Unique, short, kebab-case: a column of the leaderboard (e.g. `vthr-ft`, `llama-family-s1`). */
  readonly name: string;
  /** The group held out together by leave-one-family-out (e.g. `vthr`, `pytorch`, `llama-like`). */
  readonly family: string;
  readonly domain: BenchmarkDomain;
  /** The command that trains it into the cache (printed when it is missing). */
  readonly produce: string;
  /** Its models and truth from `cache` (the truth's `stage` fields are the stage labels); `missing` says what is not there. */
  readonly load: (cache: string) => Promise<BenchmarkModels | { readonly missing: string }>;
}

/** A loaded benchmark: every model of the truth, opened, named by its truth id. */
export interface BenchmarkModels {
  readonly models: readonly ModelSource[];
  /** One tree per `tree` value; stages are the labels "with stage labels" uses. */
  readonly truth: TruthGraph;
  /**
   * The trees to score, when not the truth's own: each a set of models (the truth restricted to
   * them), e.g. every true edge as a pair or every root → child → grandchild path as a chain.
   */
  readonly trees?: readonly { readonly root: string; readonly ids: readonly string[] }[];
}

/**
 * The artefacts `trainPlanned` would return for `models` (parents first or given), found in
 * the cache without training anything; undefined when one is missing. Keys follow
 * train-planned.ts exactly: (kind, {config, dtype, trainer}) under the parent's key.
 */
export function cachedArtifacts(
  models: readonly TrainableModel[],
  options: { readonly cache: string; readonly dtype?: "F32" | "BF16"; readonly kind?: string; readonly existing?: ReadonlyMap<string, Artifact> },
): Map<string, Artifact> {
  const store = new ArtifactStore(options.cache, { log: () => {}, now: () => 0 });
  const byId = new Map(models.map((m) => [m.id, m]));
  const found = new Map<string, Artifact>(options.existing ?? []);
  const locate = (id: string): Artifact => {
    const known = found.get(id);
    if (known) return known;
    const model = byId.get(id);
    if (!model) bug(`cached-artifacts: parent ${id} is neither planned nor given`);
    const parent = model.parent ? locate(model.parent) : undefined;
    const { key, path } = store.locate(
      options.kind ?? MODEL_ARTIFACT_KIND,
      { config: model.config, dtype: options.dtype ?? "F32", trainer: TRAINER_VERSION },
      parent ? { parent } : {},
    );
    const artifact: Artifact = { kind: options.kind ?? MODEL_ARTIFACT_KIND, key, path, cached: true, bytes: 0 };
    found.set(id, artifact);
    return artifact;
  };
  for (const model of models) locate(model.id);
  return found;
}

/**
 * `loaded` with every tree cut into its pairs (each true edge alone) or its chains (every
 * root → child → grandchild path): trees without a branch, where `--stage auto` has no evidence
 * and only a chain tie-break can orient them.
 */
export function subtreesOf(loaded: BenchmarkModels, shape: "pairs" | "chains"): BenchmarkModels {
  const { truth } = loaded;
  const children = new Map<string, string[]>();
  for (const { parent, child } of truth.edges) children.set(parent, [...(children.get(parent) ?? []), child]);
  const hasParent = new Set(truth.edges.map((e) => e.child));
  const trees: { root: string; ids: string[] }[] = [];
  if (shape === "pairs") {
    for (const { parent, child } of truth.edges) trees.push({ root: `${parent}>${child}`, ids: [parent, child] });
  } else {
    for (const root of truth.models.map((m) => m.id).filter((id) => !hasParent.has(id))) {
      for (const child of children.get(root) ?? []) {
        for (const grandchild of children.get(child) ?? []) trees.push({ root: `${root}>${child}>${grandchild}`, ids: [root, child, grandchild] });
      }
    }
  }
  return { ...loaded, trees };
}

/** Opens `ids` from their artefacts when every folder exists; otherwise says how many are missing. */
export async function openCached(
  ids: readonly string[],
  artifacts: ReadonlyMap<string, Artifact>,
  truth: TruthGraph,
): Promise<BenchmarkModels | { readonly missing: string }> {
  const absent: string[] = [];
  for (const id of ids) {
    const path = artifacts.get(id)?.path;
    if (path === undefined || !(await exists(path))) absent.push(id);
  }
  if (absent.length > 0) return { missing: `${absent.length}/${ids.length} models not in the cache (first: ${absent[0]})` };
  const models = await openModels(new Map(ids.map((id) => [id, artifacts.get(id)!.path])));
  return { models, truth };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
