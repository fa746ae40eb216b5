/**
 * What every sealed held-out language-model set's test shares (sets 4 and 5, and any later one): its recipes planned into
 * members and PyTorch jobs, the check that its families are new (names, seeds, PyTorch-trained), the cache keys of trained
 * members, and the checks that it stays sealed (never on the leaderboard, never read unless named, never trained on).
 * A set's own test file adds only what is particular to it: its trees, shapes and recipes.
 */
import { describe, expect, test } from "bun:test";
import { ArtifactStore } from "../../../src/harness/artifact-store.ts";
import { SCORE_ONLY_FAMILIES } from "../../../src/harness/direction/learned-lofo.ts";
import { FAMILY_BENCHMARKS, familyGroup } from "../../../src/harness/direction/lm-benchmarks.ts";
import { benchmarksNamed, type FamilyBenchmark, familyBenchmarks, isSealed, SEALED_SETS } from "../../../src/harness/families/family-benchmarks.ts";
import { type FamilyMember, familyTruth } from "../../../src/harness/families/family-member.ts";
import { FAMILY_POOLS, inPool } from "../../../src/harness/families/family-placement.ts";
import { planLlamaFamily } from "../../../src/harness/families/plan-llama-family.ts";
import { torchJob, torchLmKey, type TorchLmJob } from "../../../src/harness/families/torch-lm-family.ts";

type SetNumber = FamilyBenchmark["heldOutSet"];

/** A held-out set's recipes, by family name (HELD_OUT_4_RECIPES and the like). */
export type HeldOutRecipes = Readonly<Record<string, { readonly settings: Parameters<typeof planLlamaFamily>[0] }>>;

/** A benchmark's members as the PyTorch jobs that train them. */
export const jobsOf = (benchmark: FamilyBenchmark): TorchLmJob[] => benchmark.members.map((m) => torchJob(m.config, m.torch!, benchmark.dtype));

/** Held-out set `set` as its test reads it. */
export interface HeldOutSet {
  /** The set's benchmarks, in order. */
  readonly members: FamilyBenchmark[];
  /** Every benchmark of an earlier set (and the open families, set 0). */
  readonly earlier: FamilyBenchmark[];
  /** The earlier benchmarks trained by PyTorch. */
  readonly earlierTorch: FamilyBenchmark[];
  /** A family's members as planned from its recipe. */
  plan(family: string): FamilyMember[];
  /** A family's true edges as sorted `parent>child` strings. */
  edges(family: string): string[];
  /** A family's PyTorch jobs, as the benchmark trains them. */
  jobs(family: string): TorchLmJob[];
}

/** Reads held-out set `set` from the benchmarks, its recipes from `recipes`. */
export function heldOutSet(set: SetNumber, recipes: HeldOutRecipes): HeldOutSet {
  const benchmarks = familyBenchmarks();
  const earlier = benchmarks.filter((b) => b.heldOutSet < set);
  const plan = (family: string) => planLlamaFamily(recipes[family]!.settings);
  return {
    members: benchmarks.filter((b) => b.heldOutSet === set),
    earlier,
    earlierTorch: earlier.filter((b) => b.members.some((m) => m.torch)),
    plan,
    edges: (family) =>
      familyTruth(plan(family))
        .edges.map((e) => `${e.parent}>${e.child}`)
        .sort(),
    jobs: (family) => jobsOf(benchmarks.find((b) => b.name.startsWith(`set${set}:${family}@`))!),
  };
}

/** Checks that the set is exactly `names`, with `trueEdges` edges in all, every family PyTorch-trained and on a seed no earlier family used. */
export function expectNewTorchFamilies(view: HeldOutSet, names: readonly string[], trueEdges: number): void {
  expect(view.members.map((b) => b.name)).toEqual([...names]);
  expect(view.members.reduce((sum, b) => sum + familyTruth(b.members).edges.length, 0)).toBe(trueEdges);
  const earlierSeeds = new Set(view.earlier.map((b) => Number(b.name.split("@")[1])));
  for (const b of view.members) {
    expect(b.kind).toBe("lm");
    expect(b.members.every((m) => m.torch !== undefined)).toBe(true);
    expect(b.command).toBe(`bun run experiments/lm-families.ts --train --only ${b.name}`);
    expect(earlierSeeds.has(Number(b.name.split("@")[1]))).toBe(false);
  }
}

/** The artefact-store keys (member id → key) of benchmark `name`'s trained members, each keyed by its parent's (and a distilled one by its teacher's) as training keys them. */
export function trainedKeys(name: string): Map<string, string> {
  const store = new ArtifactStore("/nonexistent", { log: () => {}, now: () => 0 });
  const benchmark = familyBenchmarks().find((b) => b.name === name)!;
  const keys = new Map<string, string>();
  for (const [i, job] of jobsOf(benchmark).entries()) {
    const member = benchmark.members[i]!;
    const parent = member.parent === undefined ? undefined : keys.get(member.parent);
    const teacher = job.distill === undefined ? undefined : keys.get(job.distill.teacher);
    keys.set(member.id, store.locate("torch-lm", torchLmKey(job, teacher), parent ? { parent } : {}).key);
  }
  return keys;
}

/**
 * The tests that held-out set `set` is sealed: off the leaderboard, read by an experiment only when `--only` names it
 * (`set<N>:` or one of its families, e.g. `family`), never by a full run, a broader prefix or another sealed set's
 * prefix; one leaderboard group, score-only, and a placement pool of its own.
 */
export function describeSealedSet(set: SetNumber, family: string): void {
  describe(`held-out set ${set} is sealed and never training data`, () => {
    const members = familyBenchmarks().filter((b) => b.heldOutSet === set);
    const prefix = `set${set}:`;
    const names = (words?: string[]) => benchmarksNamed(words).map((b) => b.name);

    test("sealed: off the leaderboard's benchmarks", () => {
      expect(members.length).toBeGreaterThan(0);
      expect(members.every(isSealed)).toBe(true);
      expect(FAMILY_BENCHMARKS.some((b) => b.name.startsWith(prefix))).toBe(false);
    });

    test(`an experiment reads it only when --only names it (${prefix}, or a family of it), never in a full run, by a broader prefix or another sealed set's`, () => {
      expect(names().some((n) => n.startsWith(prefix))).toBe(false);
      expect(names(["set"]).some((n) => n.startsWith(prefix))).toBe(false);
      expect(names([`set${set}`])).toEqual([]);
      for (const other of SEALED_SETS) if (other !== set) expect(names([`set${other}:`]).some((n) => n.startsWith(prefix))).toBe(false);
      expect(names([prefix])).toEqual(members.map((b) => b.name));
      const named = members.find((b) => b.name.startsWith(`${prefix}${family}@`))!.name;
      expect(names([named.split("@")[0]!, "sd@"])).toEqual([...names(["sd@"]), named]);
    });

    test("one leaderboard group, score-only (no learned fold or selection trains on it), and a pool of its own", () => {
      expect(new Set(members.map(familyGroup))).toEqual(new Set([`held-out-${set}`]));
      expect(SCORE_ONLY_FAMILIES.has(`held-out-${set}`)).toBe(true);
      for (const b of members) expect(FAMILY_POOLS.filter((pool) => inPool(b, pool)).map((pool) => pool.label)).toEqual([`held out set ${set}`]);
    });
  });
}
