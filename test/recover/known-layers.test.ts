import { beforeAll, describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { discoverModels, locateModels, type ModelLocation, sortedLocations } from "../../src/io/discover-models.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { makeGaussian } from "../../src/recover/seeded-random.ts";
import { fingerprintLocated } from "../../src/index/fingerprint-batch.ts";
import type { Fingerprint } from "../../src/index/fingerprint.ts";
import { recoverTreeJob, treeJobOf } from "../../src/index/recover-tree-job.ts";
import { KNOWN_FIELDS, KnownResults, type KnownLayers } from "../../src/recover/known-layers.ts";
import { recoverModels } from "../../src/recover/recover.ts";
import { planLayers } from "../../src/recover/plan-layers.ts";
import { analyseLayer } from "../../src/recover/layer-pass.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { threadKernels } from "../../src/kernels/weight-kernels.ts";
import type { ModelSource } from "../../src/types.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-known-layers-");
const HIDDEN = 40;
const BLOCK = "vit.encoder.layer.0";
const SHAPES: Record<string, [number, number]> = {
  [`${BLOCK}.attention.attention.query.weight`]: [HIDDEN, HIDDEN],
  [`${BLOCK}.attention.attention.key.weight`]: [HIDDEN, HIDDEN],
  [`${BLOCK}.attention.attention.value.weight`]: [HIDDEN, HIDDEN],
  [`${BLOCK}.attention.output.dense.weight`]: [HIDDEN, HIDDEN],
  [`${BLOCK}.intermediate.dense.weight`]: [4 * HIDDEN, HIDDEN],
  [`${BLOCK}.output.dense.weight`]: [HIDDEN, 4 * HIDDEN],
};

/** Root + Gaussian steps; `child-pruned` has 40 % of its weights zeroed, `child-int8` is its source on a symmetric int8 grid per row. */
function weightsOf(seed: number, base?: Map<string, Float64Array>, step = 0.2): Map<string, Float64Array> {
  return new Map(
    Object.entries(SHAPES).map(([name, [rows, cols]], l) => {
      const noise = makeGaussian(rows * cols, seed * 100 + l);
      const from = base?.get(name);
      return [name, Float64Array.from(noise, (x, i) => (from ? from[i]! + step * 0.02 * x : 0.02 * x))];
    }),
  );
}

async function writeModel(id: string, weights: Map<string, Float64Array>): Promise<void> {
  await writeSafetensors(
    join(dir, id, "model.safetensors"),
    [...weights].map(([name, data]) => ({ name, dtype: "F32" as const, shape: SHAPES[name]!, data })),
  );
}

let models: ModelSource[];
let located: ModelLocation[];
let fingerprints: Fingerprint[];
/**
 * Whether the native kernels run: known layers come from the held layer sweep (sweepHeldLayers), which
 * only they make; the WebAssembly kernels' fingerprints carry none, and a tree then reads those layers.
 */
let native: boolean;

beforeAll(async () => {
  const root = weightsOf(1);
  await writeModel("m00-root", root);
  const children = Array.from({ length: 11 }, (_, c) => weightsOf(c + 2, root));
  for (const [c, weights] of children.entries()) await writeModel(`m${String(c + 1).padStart(2, "0")}-child`, weights);
  const pruned = new Map([...children[0]!].map(([name, data]) => [name, data.map((v, i) => ((i * 7919) % 10 < 4 ? 0 : v))]));
  await writeModel("m12-child-pruned", pruned);
  const int8 = new Map(
    [...children[1]!].map(([name, data]) => {
      const cols = SHAPES[name]![1];
      const out = new Float64Array(data.length);
      for (let r = 0; r < data.length / cols; r++) {
        const row = data.subarray(r * cols, (r + 1) * cols);
        const scale = Math.max(...row.map(Math.abs)) / 127;
        row.forEach((v, i) => (out[r * cols + i] = Math.round(v / scale) * scale));
      }
      return [name, out];
    }),
  );
  await writeModel("m13-child-int8", int8);
  located = sortedLocations(await locateModels(dir));
  ({ fingerprints } = await fingerprintLocated(located));
  models = await discoverModels(located.map((l) => l.path));
  native = (await threadKernels()).backend === "native";
});

const options = { ...DEFAULT_RECOVER_OPTIONS, cacheFolder: undefined };

describe("known layers", () => {
  test("a held model's fingerprint keeps its MLP layers (the plan's statistics-only layers) as the layer pass reads them: statistics, zero share and grid, to the bit", async () => {
    if (!native) return expect(fingerprints.every((f) => f.known === undefined)).toBe(true);
    expect(fingerprints.every((f) => f.known !== undefined && f.known.values.length === 2 * KNOWN_FIELDS)).toBe(true);
    const known = new KnownResults(fingerprints.map((f) => f.known!));
    const plan = planLayers(models, options);
    const statisticsOnly = plan.filter((job) => !job.roles.distance && !job.roles.sketch);
    expect(statisticsOnly.map((job) => job.name)).toEqual([`${BLOCK}.intermediate.dense.weight`, `${BLOCK}.output.dense.weight`]);
    for (const job of statisticsOnly) expect(known.resultOf(job)).toEqual(await analyseLayer(job));
    // The pruned and int8 copies are seen in these layers: zero shares and grids that decide what recovery makes of them.
    const [intermediate] = statisticsOnly.map((job) => known.resultOf(job)!);
    expect(intermediate!.zeroFraction[12]).toBeGreaterThan(0.3);
    expect(intermediate!.gridLevels[13]).toBe(255);
    // Distance layers, and statistics-only layers read another way, are not taken.
    for (const job of plan.filter((job) => job.roles.distance)) expect(known.resultOf(job)).toBeUndefined();
    expect(known.resultOf({ ...statisticsOnly[0]!, histogramBins: 64 })).toBeUndefined();
    expect(known.resultOf({ ...statisticsOnly[0]!, sampleValues: 400 })).toBeUndefined();
  });

  test("a tree recovered with its known layers taken is the tree read whole, statistics included; and they are taken (an altered one shows)", async () => {
    if (!native) return expect(fingerprints.every((f) => f.known === undefined)).toBe(true);
    const known = new KnownResults(fingerprints.map((f) => f.known!));
    const read = await recoverModels(models, options);
    expect(await recoverModels(models, options, undefined, undefined, known)).toEqual(read);
    const altered: KnownLayers[] = fingerprints.map((f) => ({ file: f.known!.file, values: Float64Array.from(f.known!.values) }));
    altered[3]!.values[8] = 42; // model 3's first known layer's kurtosis
    const taken = await recoverModels(models, options, undefined, undefined, new KnownResults(altered));
    const row = taken.layerStats.find((r) => r.model === models[3]!.id && r.layer === `${BLOCK}.intermediate.dense.weight`);
    expect(row?.stats.kurtosis).toBe(42);
  });

  test("a tree job from the fingerprints leaves its known layers unread and gives the tree of a job without them", async () => {
    const byPath = new Map<string, ModelLocation>(located.map((location) => [resolve(location.path), location]));
    const job = treeJobOf(fingerprints, byPath);
    // Without known layers (the WebAssembly kernels' fingerprints) the job reads every layer: no gaps.
    expect(job.known?.length).toBe(native ? fingerprints.length : undefined);
    expect(job.files.every(([, , gaps]) => gaps?.length === (native ? 2 : 0))).toBe(true);
    const plain = { ...job, known: undefined, files: job.files.map(([file, size]) => [file, size] as const) };
    expect(await recoverTreeJob(job, options)).toEqual(await recoverTreeJob(plain, options));
    // One member without known layers (another reader): none are taken, and nothing is left unread.
    const mixed = treeJobOf(
      fingerprints.map((f, m) => (m === 5 ? { ...f, known: undefined } : f)),
      byPath,
    );
    expect([mixed.known, mixed.files.every(([, , gaps]) => gaps?.length === 0)]).toEqual([undefined, true]);
  });
});
