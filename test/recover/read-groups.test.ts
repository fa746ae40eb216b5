import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { discoverModels } from "../../src/io/discover-models.ts";
import { LayerPool } from "../../src/recover/layer-pool.ts";
import { LayerReader } from "../../src/recover/layer-reader.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../src/recover/options.ts";
import { groupByArchitecture, planLayers } from "../../src/recover/plan-layers.ts";
import { clusteringSample, readGroups, type PlannedGroup } from "../../src/recover/read-groups.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-read-groups-");

/** The planned groups of a synthetic set, and a pass over them with a recorder for the notes. */
async function passOver(mode: "ft" | "lora", overrides: Partial<RecoverOptions>) {
  const folder = join(dir, `${mode}-${overrides.distance ?? "default"}`);
  await writeSyntheticTrees(folder, [{ root: "r", children: 2, grandchildren: 1 }], { mode, seed: 5 });
  const options: RecoverOptions = { ...DEFAULT_RECOVER_OPTIONS, workers: 0, ...overrides };
  const models = await discoverModels([folder]);
  const planned: PlannedGroup[] = groupByArchitecture(models, options).map((group) => ({ models: group, plan: planLayers(group, options) }));
  const pool = new LayerPool(0);
  const notes: string[] = [];
  const effects = { progress: () => {}, log: (line: string) => void notes.push(line) };
  const reader = new LayerReader(
    pool,
    planned.flatMap((group) => group.plan),
    undefined,
    effects,
  );
  try {
    return { planned, groups: await readGroups(planned, { options, pool, reader, effects }), notes };
  } finally {
    pool.close();
  }
}

describe("readGroups", () => {
  test("reads every planned layer once, results in plan order, one record per group", async () => {
    const { planned, groups } = await passOver("ft", { distance: "ft" });
    expect(groups).toHaveLength(planned.length);
    for (const [g, group] of groups.entries()) {
      expect(group.models).toBe(planned[g]?.models ?? []);
      expect(group.plan.map((job) => job.name)).toEqual(planned[g]?.plan.map((job) => job.name) ?? []);
      expect(group.pass.map((result) => result.name)).toEqual(group.plan.map((job) => job.name));
      for (const result of group.pass) expect(result.stats).toHaveLength(group.models.length);
    }
  });

  test("--distance auto on full fine-tunes: the probe finds no low rank, so no layer is sketched, and it says so", async () => {
    const { planned, groups, notes } = await passOver("ft", { distance: "auto" });
    expect(planned[0]?.plan.some((job) => job.roles.sketch)).toBe(true);
    const [group] = groups;
    expect(group?.plan.some((job) => job.roles.sketch)).toBe(false);
    expect(group?.pass.every((result) => result.sketches.length === 0)).toBe(true);
    expect(notes).toContain("no model is a low-rank update of its neighbours: distance ft, LoRA layers not sketched");
  });

  test("--distance auto on LoRA children: the sketched layers keep one full sketch per model", async () => {
    const { groups, notes } = await passOver("lora", { distance: "auto" });
    const [group] = groups;
    const sketched = group?.plan.flatMap((job, l) => (job.roles.sketch ? [group.pass[l]] : [])) ?? [];
    expect(sketched.length).toBeGreaterThan(0);
    for (const result of sketched) expect(result?.sketches).toHaveLength(group?.models.length ?? -1);
    expect(notes.some((line) => line.startsWith("no model is a low-rank update"))).toBe(false);
  });
});

describe("clusteringSample", () => {
  test("keeps the distance layers only, as distance-only jobs on a fixed sample without histograms", async () => {
    const folder = join(dir, "sample");
    await writeSyntheticTrees(folder, [{ root: "s", children: 1, grandchildren: 0 }], { seed: 9 });
    const models = await discoverModels([folder]);
    const plan = planLayers(models, DEFAULT_RECOVER_OPTIONS);
    const sample = clusteringSample(plan);
    expect(sample.map((job) => job.name)).toEqual(plan.filter((job) => job.roles.distance).map((job) => job.name));
    for (const job of sample) {
      expect(job.roles).toEqual({ distance: true, score: false, sketch: false });
      expect(job.sampleValues).toBe(65536);
      expect(job.histogramBins).toBe(0);
    }
  });
});

describe("LayerReader.readAll", () => {
  test("in-process, a clustering sample is one pool task with read's results and progress; with workers or a cache, a task a layer", async () => {
    const folder = join(dir, "read-all");
    await writeSyntheticTrees(folder, [{ root: "a", children: 2, grandchildren: 1 }], { seed: 11 });
    const models = await discoverModels([folder]);
    const sample = clusteringSample(planLayers(models, DEFAULT_RECOVER_OPTIONS));
    expect(sample.length).toBeGreaterThan(1);
    /** Each way's results, the kinds of the tasks it submitted, and its last progress. */
    const readWith = async (workers: number, all: boolean, cacheFolder?: string) => {
      const pool = new LayerPool(workers);
      const kinds: string[] = [];
      const submit = pool.submit.bind(pool);
      pool.submit = (task, urgent) => {
        kinds.push(task.kind);
        return submit(task, urgent);
      };
      let progress = [0, 0];
      const reader = new LayerReader(pool, sample, cacheFolder, { progress: (done, total) => void (progress = [done, total]), log: () => {} });
      try {
        const results = all ? await reader.readAll(sample) : await Promise.all(sample.map((job) => reader.read(job)));
        // A later job of a layer the sample covered whole is taken from it, as after read.
        const again = await reader.read({ ...sample[0]!, sampleValues: undefined });
        return { results, kinds, progress, again };
      } finally {
        pool.close();
      }
    };
    const one = await readWith(0, false);
    expect(one.kinds).toEqual(sample.map(() => "layer"));
    const all = await readWith(0, true);
    expect(all.kinds).toEqual(["layers"]);
    expect(all.results).toEqual(one.results);
    expect(all.progress).toEqual(one.progress);
    expect(all.again).toEqual(one.again);
    expect((await readWith(1, true)).kinds).toEqual(sample.map(() => "layer"));
    expect((await readWith(0, true, join(dir, "read-all-cache"))).kinds).toEqual(sample.map(() => "layer"));
  });
});
