/**
 * Recovered trees kept beside an index (DIR/trees/<key>.json), so that after an update only the
 * trees whose members changed are recovered again (issue #15, "incremental").
 *
 *   key = sha256(format, the code a tree's recovery runs, the kernels in use, the options, and each member's path and checksum)
 *
 * A tree recovered again from the same members, options and code is the same tree, so serving
 * it from here equals recovering it cold. Entries are small JSON files written atomically; one
 * that cannot be parsed, or holds other models than its key says, is recovered again.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelGraph } from "../types.ts";
import { temporaryPathFor } from "../io/write-file-atomic.ts";
import { nativeKernels } from "../kernels/native-kernels.ts";
import type { DistanceChoice } from "../recover/tree-distance.ts";
import type { RecoverOptions } from "../recover/options.ts";
import { resultSources } from "../recover/result-sources.ts";

/** Bumped when an entry's layout changes. */
const FORMAT = 1;

/** The numeric fields of a graph: non-finite ones are stored as strings (JSON has no NaN or ∞). */
const NUMBERS = new Set(["distance", "confidence", "score"]);

/** The folder of the tree cache, inside an index folder. */
export const TREES = "trees";

/** One component's recovery, as recoverModels returned it (per-layer statistics left out). */
export interface CachedTree {
  readonly graph: ModelGraph;
  readonly distances: readonly DistanceChoice[];
}

/** The recovered trees of an index folder. */
export class TreeCache {
  private code: Promise<string> | undefined;

  constructor(private readonly dir: string) {}

  /** The key of a component: its members (path, checksum) and the options that shape a tree. */
  async keyOf(members: readonly { path: string; id: string; checksum: string }[], options: RecoverOptions): Promise<string> {
    const ids = new Set(members.map((m) => m.id));
    const stages = Object.entries(options.stages).filter(([id]) => ids.has(id));
    const { cacheFolder: _cache, workers: _workers, stages: _stages, ...shaping } = options;
    const hash = new Bun.CryptoHasher("sha256");
    hash.update(JSON.stringify({ format: FORMAT, code: await (this.code ??= codeDigest()), options: shaping, stages }));
    for (const member of members) hash.update(`\n${member.path}\t${member.checksum}`);
    return hash.digest("hex");
  }

  /**
   * The tree stored under `key` for exactly the models `ids`, if any: an entry that does not
   * parse, is not shaped as a tree, or holds other models (an altered file) is not taken.
   */
  async get(key: string, ids: readonly string[]): Promise<CachedTree | undefined> {
    let tree: unknown;
    try {
      tree = JSON.parse(readFileSync(this.fileOf(key), "utf8"), (key, value) => (NUMBERS.has(key) && typeof value === "string" ? Number(value) : value));
    } catch {
      return undefined;
    }
    return isTreeOf(tree, ids) ? tree : undefined;
  }

  /**
   * Stores a tree under `key`, atomically (a temp file renamed into place). Blocking calls, and
   * the folder made once: through Bun's thread pool, a `mkdir` and a write per tree cost ~10 ms
   * each on a loaded machine — 5 s for the 500 trees of 10,000 models.
   */
  async set(key: string, tree: CachedTree): Promise<void> {
    if (!this.folderMade) {
      mkdirSync(join(this.dir, TREES), { recursive: true });
      this.folderMade = true;
    }
    const path = this.fileOf(key);
    const temporary = temporaryPathFor(path);
    try {
      writeFileSync(
        temporary,
        JSON.stringify(tree, (_, value) => (typeof value === "number" && !Number.isFinite(value) ? String(value) : value)),
      );
      renameSync(temporary, path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }

  private folderMade = false;

  private fileOf(key: string): string {
    return join(this.dir, TREES, `${key}.json`);
  }
}

/** Whether `value` is a CachedTree whose models are exactly `ids`, each once. */
function isTreeOf(value: unknown, ids: readonly string[]): value is CachedTree {
  const tree = value as Partial<CachedTree> | null;
  const graph = tree?.graph;
  if (!graph || !Array.isArray(graph.models) || !Array.isArray(graph.edges) || !Array.isArray(graph.trees) || !Array.isArray(tree.distances)) return false;
  if (tree.distances.length !== graph.trees.length) return false;
  const got = graph.models.map((model) => model?.id).sort();
  const want = [...ids].sort();
  return got.length === want.length && got.every((id, at) => id === want[at]);
}

/** Where the walk for a tree's code starts: what a tree's recovery runs (recoverModels on its models, in a worker or inline). */
export const TREE_ROOTS: readonly string[] = ["index/recover-tree-job.ts"];

/**
 * Digest of the sources a tree's recovery runs (result-sources.ts: followed through every
 * relative import and worker entry from TREE_ROOTS, messages and other inert files left out;
 * about a quarter of src/'s TypeScript files) and of the kernels in use: an edit to the CLI, the index's
 * own bookkeeping or a message keeps every tree; one to the recovery keys every tree anew.
 */
async function codeDigest(): Promise<string> {
  const root = join(import.meta.dir, "..");
  const hash = new Bun.CryptoHasher("sha256").update((await nativeKernels()).native ? "native" : "wasm");
  for (const source of await resultSources(TREE_ROOTS)) hash.update(source).update(readFileSync(join(root, source)));
  return hash.digest("hex");
}
