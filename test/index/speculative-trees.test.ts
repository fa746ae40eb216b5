import { beforeAll, describe, expect, test } from "bun:test";
import { discoverModels } from "../../src/io/discover-models.ts";
import { fingerprintModel, type Fingerprint } from "../../src/index/fingerprint.ts";
import { relatedComponentsOf, comparableOf } from "../../src/index/related-components.ts";
import { treeJobOf, type TreeJob } from "../../src/index/recover-tree-job.ts";
import { type GuessThreads, SpeculativeTrees, WINDOW } from "../../src/index/speculative-trees.ts";
import type { CachedTree } from "../../src/index/tree-cache.ts";
import type { ModelSource } from "../../src/types.ts";
import { WithdrawnTask } from "../../src/workers/worker-pool.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-speculative-");
let models: ModelSource[];
let fingerprints: Fingerprint[];

beforeAll(async () => {
  // Three families of 7, listed family after family (a…, b…, c…), as a hub's folders named after their base are.
  await writeSyntheticTrees(
    dir,
    ["a", "b", "c"].map((root) => ({ root, children: 3, grandchildren: 1 })),
    { hidden: 48, blocks: 2 },
  );
  models = await discoverModels([dir]);
  fingerprints = await Promise.all(models.map((model) => fingerprintModel(model)));
});

/** Tree threads that record what they are given: a job's tree is a promise settled by the test, a withdrawn job's rejects. */
function recordingThreads() {
  const jobs: TreeJob[] = [];
  const withdrawn: TreeJob[] = [];
  const depths: number[] = [];
  const rejects = new Map<TreeJob, (error: unknown) => void>();
  const threads: GuessThreads = {
    recover: (job) => {
      jobs.push(job);
      return new Promise<CachedTree>((resolve, reject) => {
        rejects.set(job, reject);
        if (job.paths.length > 0) resolve({ graph: { models: [], edges: [], trees: [job.paths], notes: [] }, distances: [] });
      });
    },
    withdraw: (taken) => {
      withdrawn.push(...taken);
      for (const job of taken) rejects.get(job)?.(new WithdrawnTask("tree"));
      return taken.size;
    },
    setDepth: (depth) => void depths.push(depth),
  };
  return { threads, jobs, withdrawn, depths };
}

/** Feeds `fingerprints` in batches of `size`, delivered in `order` (batch numbers), as two threads return them. */
function feed(guesses: SpeculativeTrees, size: number, order: readonly number[]): void {
  for (const at of order) guesses.add(at, fingerprints.slice(at * size, (at + 1) * size), models.slice(at * size, (at + 1) * size));
}

const paths = (members: readonly Fingerprint[]) => members.map((m) => m.path);
/** The related components as recover-from-index finds them, as member lists in path order. */
const components = () => relatedComponentsOf(fingerprints.map(comparableOf)).components.map((c) => c.map((m) => fingerprints[m]!));

describe("speculative trees", () => {
  test("families listed one after another are guessed whole, whatever order the batches come back in, and queued only once released", () => {
    const { threads, jobs } = recordingThreads();
    const guesses = new SpeculativeTrees(threads);
    // 21 models in batches of 4: batch 1 comes back before batch 0, as the other thread's may.
    feed(guesses, 4, [1, 0, 3, 2, 5, 4]);
    expect(jobs).toEqual([]); // not released: the fingerprints still to queue go first
    guesses.release();
    const early = jobs.length;
    expect(early).toBeGreaterThan(0); // families closed WINDOW models before the end are queued now
    guesses.finish();
    expect(jobs.map((job) => job.paths)).toEqual(components().map(paths));
    // The job a component would get itself: same paths in the same order, same files, the same models.
    const byPath = new Map(models.map((m) => [m.path, m]));
    expect(jobs).toEqual(components().map((members) => treeJobOf(members, byPath)));
  });

  test("a component takes its guess only when the members are exactly the guess's; the rest are withdrawn and the threads hold two tasks again", async () => {
    const { threads, jobs, withdrawn, depths } = recordingThreads();
    const guesses = new SpeculativeTrees(threads);
    guesses.release();
    feed(guesses, 7, [0, 1, 2]);
    guesses.finish();
    guesses.hold(4000);
    expect(depths).toEqual([2 + 20]);
    const [a, b, c] = components();
    expect(guesses.claim(a!.slice(1))).toBeUndefined(); // a smaller component (say, a member linked elsewhere) is not a's guess
    expect(guesses.claim([...b!].reverse())).toBeUndefined(); // nor the same members in another order
    const tree = guesses.claim(b!);
    expect(tree).toBeDefined();
    expect((await tree!).graph.trees).toEqual([paths(b!)]);
    expect(guesses.claim(b!)).toBeUndefined(); // claimed once
    guesses.settle();
    expect(withdrawn.map((job) => job.paths)).toEqual([paths(a!), paths(c!)]);
    expect(depths.at(-1)).toBe(2);
    expect(guesses.claim(a!)).toBeUndefined(); // settled: nothing is claimed any more
    expect(jobs).toHaveLength(3);
  });

  test("relatives further apart in the listing than WINDOW are not guessed together: their component finds no guess and is recovered as usual", () => {
    const { threads, jobs } = recordingThreads();
    const guesses = new SpeculativeTrees(threads);
    guesses.release();
    // a0, then WINDOW of b, a1, WINDOW of c, a2: the a's never see each other; the b's and c's are neighbours.
    const order = [0, 7, 8, 9, 10, 1, 14, 15, 16, 17, 2];
    expect(order.indexOf(1) - order.indexOf(0)).toBeGreaterThan(WINDOW);
    const saved = [fingerprints, models] as const;
    [fingerprints, models] = [order.map((i) => saved[0][i]!), order.map((i) => saved[1][i]!)];
    try {
      feed(guesses, order.length, [0]);
      guesses.finish();
      const found = components();
      expect(found.map((members) => members.length).sort()).toEqual([3, 4, 4]);
      const a = found.find((members) => members.includes(saved[0][0]!))!;
      expect(jobs.map((job) => job.paths)).toEqual(found.filter((members) => members !== a).map(paths));
      expect(guesses.claim(a)).toBeUndefined();
    } finally {
      [fingerprints, models] = [[...saved[0]], [...saved[1]]];
    }
  });

  test("an adapter among the fingerprints turns guessing off: queued guesses are withdrawn, none is claimed", () => {
    const { threads, jobs, withdrawn } = recordingThreads();
    const guesses = new SpeculativeTrees(threads);
    guesses.release();
    feed(guesses, 7, [0, 1]);
    const before = jobs.length;
    expect(before).toBeGreaterThan(0);
    guesses.add(2, [{ ...fingerprints[14]!, format: "peft" }], [models[14]!]);
    guesses.finish();
    expect(withdrawn).toHaveLength(before);
    expect(jobs).toHaveLength(before);
    expect(components().every((members) => guesses.claim(members) === undefined)).toBe(true);
  });
});
