import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { discoverModels } from "../../src/io/discover-models.ts";
import { LayerPool } from "../../src/recover/layer-pool.ts";
import { LayerReader } from "../../src/recover/layer-reader.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../src/recover/options.ts";
import { rankInProcess } from "../../src/recover/pair-ranks.ts";
import { planLayers } from "../../src/recover/plan-layers.ts";
import { type GroupPass, readGroups } from "../../src/recover/read-groups.ts";
import { recoverCluster } from "../../src/recover/recover-cluster.ts";
import type { TruthGraph } from "../../src/types.ts";
import { recoverModels } from "../../src/recover/recover.ts";
import {
  fineTune,
  rootWeights,
  SYNTHETIC_DEFAULTS,
  sparseFineTune,
  type Weights,
  withTokenEmbedding,
  writeModel,
  writeSyntheticTrees,
} from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const OPTIONS: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, workers: 0, distance: "ft" };

const dir = temporaryFolder("mother-recover-cluster-");
let group: GroupPass;
let truth: TruthGraph;
beforeAll(async () => {
  truth = await writeSyntheticTrees(dir, [{ root: "r", children: 3, grandchildren: 1 }], { seed: 13 });
  const models = await discoverModels([dir]);
  const pool = new LayerPool(0);
  const effects = { progress: () => {}, log: () => {} };
  const plan = planLayers(models, OPTIONS);
  try {
    [group] = (await readGroups([{ models, plan }], { options: OPTIONS, pool, reader: new LayerReader(pool, plan, undefined, effects), effects })) as [
      GroupPass,
    ];
  } finally {
    pool.close();
  }
});

const edgeSet = (edges: readonly { parent: string; child: string }[]) => edges.map((e) => `${e.parent}→${e.child}`).sort();

describe("recoverCluster", () => {
  test("recovers the synthetic tree: every true edge, models in member order with a stage and a score", async () => {
    const members = group.models.map((_, i) => i);
    const notes: string[] = [];
    const tree = await recoverCluster({ group, members }, { options: OPTIONS, ranks: rankInProcess, log: (line) => void notes.push(line) });
    expect(tree.choice).toBe("ft");
    expect(tree.models.map((m) => m.id)).toEqual(group.models.map((m) => m.id));
    expect(tree.models.every((m) => m.stage === "specialization" && Number.isFinite(m.score))).toBe(true);
    expect(edgeSet(tree.edges)).toEqual(edgeSet(truth.edges));
    expect(tree.edges.every((e) => e.distance > 0 && e.confidence !== undefined && e.confidence >= 0 && e.confidence <= 1)).toBe(true);
    expect(notes.some((line) => line.includes("storage copies"))).toBe(false);
  });

  test("a cluster of some members maps its rows back to the right models: a chain root → child → grandchild", async () => {
    const index = (id: string) => group.models.findIndex((m) => m.id === id);
    const members = ["r-c1-g0", "r", "r-c1"].map(index);
    const tree = await recoverCluster({ group, members }, { options: OPTIONS, ranks: rankInProcess, log: () => {} });
    expect(tree.models.map((m) => m.id)).toEqual(["r-c1-g0", "r", "r-c1"]);
    expect(edgeSet(tree.edges)).toEqual(["r-c1→r-c1-g0", "r→r-c1"]);
  });

  test("a lone member is a root with no edges", async () => {
    const tree = await recoverCluster({ group, members: [0] }, { options: OPTIONS, ranks: rankInProcess, log: () => {} });
    expect(tree.models).toHaveLength(1);
    expect(tree.edges).toEqual([]);
  });

  test("a --stages override reaches the member it names, the others keep --stage", async () => {
    const members = group.models.map((_, i) => i);
    const options: RecoverOptions = { ...OPTIONS, stage: "specialization", stages: { "r-c0": "generalization" } };
    const tree = await recoverCluster({ group, members }, { options, ranks: rankInProcess, log: () => {} });
    expect(tree.models.find((m) => m.id === "r-c0")?.stage).toBe("generalization");
    expect(tree.models.filter((m) => m.id !== "r-c0").every((m) => m.stage === "specialization")).toBe(true);
  });
});

describe("--sibling-geometry correlation on a language-model tree", () => {
  // r → a, b, c; a → a1, b → b1, with b and a1 sparse fine-tunes (5 %): the scale-free estimate from mean |Δ| reads the
  // sparse models too near, the pair read's correlations measure them. A 2-D token embedding opens the LM gate: the
  // sibling-angle rule and the pair rule (the correlation angles' read) apply.
  const TRUTH = ["a→a1", "b→b1", "r→a", "r→b", "r→c"];
  let models: Awaited<ReturnType<typeof discoverModels>>;
  beforeAll(async () => {
    const folder = join(dir, "lm");
    const options = { ...SYNTHETIC_DEFAULTS, seed: 1 };
    const r = withTokenEmbedding(rootWeights(options, 1), options);
    const a = fineTune(r, options, 11);
    const b = sparseFineTune(r, options, 12, 0.05);
    const family: [string, Weights][] = [
      ["r", r],
      ["a", a],
      ["b", b],
      ["c", fineTune(r, options, 13)],
      ["a1", sparseFineTune(a, options, 14, 0.05)],
      ["b1", fineTune(b, options, 15)],
    ];
    for (const [id, weights] of family) await writeModel(join(folder, id), weights, options);
    models = await discoverModels([folder]);
  });
  const recovered = async (overrides: Partial<RecoverOptions>) =>
    edgeSet((await recoverModels(models, { ...DEFAULT_RECOVER_OPTIONS, workers: 0, trees: 1, ...overrides })).graph.edges);

  test("uses the correlation angles where the pair rule reads the pairs: a different tree from scale-free's, the true one here", async () => {
    // Without the long-edge and inheritance tests (the defaults before set 9), which repair scale-free's tree here too.
    const before = { longEdge: "off", pairInherit: "off" } as const;
    const scaleFree = await recovered({ ...before, siblingGeometry: "scale-free" });
    const correlation = await recovered({ ...before, siblingGeometry: "correlation" });
    expect(correlation).toEqual(TRUTH);
    expect(scaleFree).not.toEqual(correlation);
    expect(await recovered({ siblingGeometry: "scale-free" })).toEqual(TRUTH);
    expect(await recovered({ siblingGeometry: "correlation" })).toEqual(TRUTH);
  });

  test("the same tree as scale-free where it must: no pair read (--pair-direction off), or no angles (--sibling-angles off)", async () => {
    for (const overrides of [{ pairDirection: "off" }, { siblingAngles: "off" }] as const) {
      expect(await recovered({ ...overrides, siblingGeometry: "correlation" })).toEqual(await recovered({ ...overrides, siblingGeometry: "scale-free" }));
    }
  });
});
