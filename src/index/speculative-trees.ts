/**
 * Trees started before the related components are known (`mother recover` on a large set,
 * recover-at-scale.ts). Finding the components needs every fingerprint and then holds the main
 * thread (~0.1 s at 1,000 models, ~1 s at 10,000: the HNSW index), while the tree threads would
 * wait. Meanwhile they recover guessed trees:
 *
 *   fingerprints, batch by batch in the order read ─1─► each model linked to the WINDOW models
 *        before it when their estimated relative distance is below RELATED_BELOW (as the components'
 *        own rule) ─2─► a group no later model can join (WINDOW models past its last) is a guess
 *   ─3─► guesses queued on the tree threads once every batch to fingerprint is queued (they run after)
 *   ─4─► the components, found as without guesses: a component whose members are exactly a guess's
 *        takes its tree (claim); the others are queued as usual, and unclaimed guesses still
 *        queued are withdrawn (settle)
 *
 * A guess is recovered from the same job as its component would be (same paths in the same
 * order, same files, same models), so the graph is the same to the byte whether or not a guess
 * was right. Models whose families sit next to each other in the listing (a hub's folders
 * named after their base, the generated sets of bench/recover-scale.ts) are guessed right; a
 * wrong guess costs the tree threads' time, bounded by what they hold while the main thread is
 * busy (setDepth in hold), which they would have spent waiting.
 */
import { resolve } from "node:path";
import { RELATED_BELOW } from "../recover/cluster-models.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { type Comparable, comparableOf, estimatedRelativeDistance } from "./related-components.ts";
import type { CachedTree } from "./tree-cache.ts";
import { DisjointSets } from "../tree/disjoint-sets.ts";
import { type KnownModel, treeJobOf, type TreeJob } from "./recover-tree-job.ts";
import { mark } from "../ui/timeline.ts";

/** Models before each one it is compared with. Generated trees of 20 are each found whole with 1; 4 allows gaps of a few strangers. */
export const WINDOW = 4;

/**
 * Models per tree a thread is handed at once while the components are found (the HNSW inserts
 * hold the main thread in one call, ~60 µs a model here, and a 20-model tree takes ~20 ms: one
 * tree per ~400 models inserted; half that, for a margin under load), on top of the pool's usual two.
 */
const MODELS_PER_HELD_TREE = 200;

/** Where guessed trees go: the tree threads (tree-pool.ts). */
export interface GuessThreads {
  recover(job: TreeJob): Promise<CachedTree>;
  withdraw(jobs: ReadonlySet<TreeJob>): number;
  setDepth(depth: number): void;
}

/** Guessed trees of one recovery (see the module comment). */
export class SpeculativeTrees {
  private readonly batches: ({ fingerprints: readonly Fingerprint[]; models: readonly KnownModel[] } | undefined)[] = [];
  /** Batches linked so far (every one before is in). */
  private linkedBatches = 0;
  private readonly fingerprints: Fingerprint[] = [];
  private readonly comparables: Comparable[] = [];
  private readonly models = new Map<string, KnownModel>();
  private readonly sets = new DisjointSets();
  private readonly members: number[][] = [];
  private readonly scratch: Float64Array<ArrayBuffer>[] = [];
  /** Guesses made, not yet queued (until every batch to fingerprint is). */
  private readonly waiting: Fingerprint[][] = [];
  private readonly started = new Map<string, { job: TreeJob; tree: Promise<CachedTree> }>();
  private released = false;
  /** No guess is claimed: an adapter among the models (adapters join their base's tree after the components), or the claims are over. */
  private off = false;

  constructor(private readonly threads: GuessThreads) {}

  /** Batch number `at` of the fingerprints, in the order read, and the models they are of (same order; discovered, or located). */
  add(at: number, fingerprints: readonly Fingerprint[], models: readonly KnownModel[]): void {
    if (this.off) return;
    if (fingerprints.some((f) => f.format === "peft")) {
      this.stop();
      return;
    }
    this.batches[at] = { fingerprints, models };
    for (let batch = this.batches[this.linkedBatches]; batch; batch = this.batches[++this.linkedBatches]) {
      for (const [i, fingerprint] of batch.fingerprints.entries()) {
        this.link(fingerprint, batch.models[i]!);
        this.closeAt(this.fingerprints.length - 1 - WINDOW);
      }
    }
  }

  /** Every batch is in: the last groups are guesses too. */
  finish(): void {
    if (this.off) return;
    for (let i = Math.max(0, this.fingerprints.length - WINDOW); i < this.fingerprints.length; i++) this.closeAt(i);
  }

  /** Every batch to fingerprint is queued on the threads: guesses go to them from now on, after the fingerprints. */
  release(): void {
    this.released = true;
    for (const members of this.waiting.splice(0)) this.start(members);
  }

  /** The main thread is about to be held for `models` HNSW inserts: the threads get enough guesses at once to last. */
  hold(models: number): void {
    if (!this.off && this.started.size > 0) this.threads.setDepth(2 + Math.ceil(models / MODELS_PER_HELD_TREE));
  }

  /** The tree of a component already started as a guess with exactly these members (in this order), if any. */
  claim(members: readonly Fingerprint[]): Promise<CachedTree> | undefined {
    if (this.off) return undefined;
    const key = keyOf(members);
    const guess = this.started.get(key);
    if (guess) this.started.delete(key);
    return guess?.tree;
  }

  /** The components have claimed their guesses: the rest, if still queued, are withdrawn, and the threads hold two tasks again. */
  settle(): void {
    this.stop();
  }

  /** The number of guesses started so far (tests, the timeline). */
  get guesses(): number {
    return this.started.size;
  }

  private stop(): void {
    this.off = true;
    this.waiting.length = 0;
    this.threads.withdraw(new Set([...this.started.values()].map((guess) => guess.job)));
    this.started.clear();
    this.threads.setDepth(2);
  }

  /** Model i (the next in order) joins the groups of the WINDOW models before it it is related to. */
  private link(fingerprint: Fingerprint, model: KnownModel): void {
    const i = this.fingerprints.length;
    this.fingerprints.push(fingerprint);
    this.comparables.push(comparableOf(fingerprint));
    this.models.set(resolve(model.path), model);
    this.sets.add();
    this.members.push([i]);
    const comparable = this.comparables[i]!;
    for (let j = Math.max(0, i - WINDOW); j < i; j++) {
      const [a, b] = [this.sets.find(i), this.sets.find(j)];
      const other = this.fingerprints[j]!;
      if (a === b || other.architecture !== fingerprint.architecture) continue;
      const scratch = (this.scratch[comparable.rms.length] ??= new Float64Array(comparable.rms.length));
      if (estimatedRelativeDistance(comparable, this.comparables[j]!, scratch) >= RELATED_BELOW) continue;
      const root = this.sets.union(a, b); // the smaller index keeps the group
      const child = a + b - root;
      this.members[root]!.push(...this.members[child]!);
      this.members[child] = [];
    }
  }

  /** The group of model i becomes a guess when i is its last member and WINDOW models came after it. */
  private closeAt(i: number): void {
    if (i < 0) return;
    const group = this.members[this.sets.find(i)]!;
    if (group.length < 2 || Math.max(...group) !== i) return;
    const members = group.map((m) => this.fingerprints[m]!).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    if (this.released) this.start(members);
    else this.waiting.push(members);
  }

  private start(members: readonly Fingerprint[]): void {
    const job = treeJobOf(members, this.models);
    const tree = this.threads.recover(job);
    if (this.started.size === 0) mark("first tree handed out");
    tree.catch(() => {}); // a guess nobody claims may fail or be withdrawn; a claimed one is awaited by its component
    this.started.set(keyOf(members), { job, tree });
  }
}

/** A component's identity: its members' paths in order. */
function keyOf(members: readonly Fingerprint[]): string {
  return members.map((m) => m.path).join("\n");
}
