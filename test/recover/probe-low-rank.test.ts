import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { recover } from "../../src/recover/recover.ts";
import { nearestOf, withoutSketches } from "../../src/recover/probe-low-rank.ts";
import fc from "fast-check";
import type { LayerJob } from "../../src/recover/layer-pass.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-probe-");

const TREE = [{ root: "r", children: 3, grandchildren: 1 }];

function recorder() {
  const lines: string[] = [];
  return { lines, effects: { progress: () => {}, log: (line: string) => void lines.push(line) } };
}

describe("--distance auto probes the first sketched layer", () => {
  test("full fine-tunes: the other layers are not sketched and the result equals --distance ft", async () => {
    const folder = join(dir, "ft");
    await writeSyntheticTrees(folder, TREE, { mode: "ft", seed: 11 });
    const { lines, effects } = recorder();
    const auto = await recover([folder], { distance: "auto" }, effects);
    const ft = await recover([folder], { distance: "ft" });
    expect(lines.some((line) => line.includes("LoRA layers not sketched"))).toBe(true);
    expect(auto.distances).toEqual(["ft"]);
    expect(auto.graph).toEqual(ft.graph);
    expect(auto.layerStats.map((row) => row.layer)).toEqual(ft.layerStats.map((row) => row.layer));
  });

  test("LoRA fine-tunes: every layer is sketched and the result equals --distance lora", async () => {
    const folder = join(dir, "lora");
    await writeSyntheticTrees(folder, TREE, { mode: "lora", loraRank: 4, seed: 12 });
    const { lines, effects } = recorder();
    const auto = await recover([folder], { distance: "auto" }, effects);
    const lora = await recover([folder], { distance: "lora" });
    expect(lines.some((line) => line.includes("not sketched"))).toBe(false);
    expect(auto.distances).toEqual(["lora"]);
    expect(auto.graph).toEqual(lora.graph);
  });

  test("a LoRA tree next to a full fine-tuning tree keeps its sketches, and each tree gets its own distance", async () => {
    const folder = join(dir, "mixed");
    await writeSyntheticTrees(join(folder, "ft"), [{ root: "f", children: 3, grandchildren: 1 }], { mode: "ft", seed: 13 });
    await writeSyntheticTrees(join(folder, "lora"), [{ root: "l", children: 3, grandchildren: 1 }], { mode: "lora", loraRank: 4, seed: 14 });
    const result = await recover([join(folder, "ft"), join(folder, "lora")], { distance: "auto", trees: 2 });
    const byRoot = new Map(result.graph.trees.map((members, t) => [members.some((id) => id.startsWith("f")) ? "ft" : "lora", result.distances[t]]));
    expect(Object.fromEntries(byRoot)).toEqual({ ft: "ft", lora: "lora" });
  });
});

describe("--distance auto on layers wider than the probe's row sample", () => {
  // sketch size 40: ranks from 20 count as high, so the probe samples 36 columns of 64.
  const options = { sketchSize: 40 };

  test("full fine-tunes are recovered as with --distance ft", async () => {
    const folder = join(dir, "wide-ft");
    await writeSyntheticTrees(folder, TREE, { mode: "ft", hidden: 64, seed: 31 });
    const { lines, effects } = recorder();
    const auto = await recover([folder], { ...options, distance: "auto" }, effects);
    expect(lines.some((line) => line.includes("LoRA layers not sketched"))).toBe(true);
    expect(auto.graph).toEqual((await recover([folder], { ...options, distance: "ft" })).graph);
  });

  test("LoRA fine-tunes read the probe layer again with the full sketch and match --distance lora", async () => {
    const folder = join(dir, "wide-lora");
    await writeSyntheticTrees(folder, TREE, { mode: "lora", hidden: 64, loraRank: 4, seed: 32 });
    const progress: number[][] = [];
    const auto = await recover([folder], { ...options, distance: "auto" }, { progress: (done, total) => void progress.push([done, total]), log: () => {} });
    const lora = await recover([folder], { ...options, distance: "lora" });
    expect(auto.distances).toEqual(["lora"]);
    expect(auto.graph).toEqual(lora.graph);
    expect(auto.layerStats).toEqual(lora.layerStats);
    // Every layer is read once, the probe layer twice (row sample, then full sketch); progress
    // ends at its total, which counts both reads.
    const layers = new Set(auto.layerStats.map((row) => row.layer)).size;
    expect(progress.length).toBe(layers + 1);
    const [done, total] = progress.at(-1)!;
    expect(done).toBe(total);
  });
});

describe("--distance auto with re-saved copies", () => {
  test("f16 copies (differences all below the rounding floor) do not turn a full-fine-tuning tree into ℓ_LoRA", async () => {
    const folder = join(dir, "twins");
    await writeSyntheticTrees(folder, [{ root: "t", children: 3, grandchildren: 1 }], { mode: "ft", seed: 21 });
    for (const id of ["t", "t-c0", "t-c1"]) {
      const file = join(folder, id, "model.safetensors");
      const tensors = await openSafetensorsFile(file);
      await mkdir(join(folder, `${id}-f16`));
      await writeSafetensors(
        join(folder, `${id}-f16`, "model.safetensors"),
        await Promise.all(tensors.map(async (t) => ({ name: t.name, dtype: "F16" as const, shape: t.shape, data: await readTensor(t) }))),
      );
    }
    const result = await recover([folder], { distance: "auto", trees: 1 });
    expect(result.distances).toEqual(["ft"]);
  });
});

describe("--distance auto on layers that are identical across models (#16 case 7)", () => {
  // Wide enough (64 > 36 columns) that the probe reads a row sample, as on real models.
  const options = { sketchSize: 40 };
  const names = (block: number) =>
    ["attention.attention.query", "attention.attention.key", "attention.attention.value", "attention.output.dense"].map(
      (p) => `vit.encoder.layer.${block}.${p}.weight`,
    );

  test("all-zero models: nothing is sketched, every byte is read once, and progress ends exactly at its total", async () => {
    const folder = join(dir, "zeros");
    const hidden = 64;
    for (let m = 0; m < 4; m++) {
      await writeSafetensors(
        join(folder, `z${m}`, "model.safetensors"),
        [0, 1].flatMap((b) => names(b).map((name) => ({ name, dtype: "F32" as const, shape: [hidden, hidden], data: new Float32Array(hidden * hidden) }))),
      );
    }
    const { lines } = recorder();
    const progress: number[][] = [];
    const auto = await recover(
      [folder],
      { ...options, distance: "auto" },
      { progress: (done, total) => void progress.push([done, total]), log: (l) => void lines.push(l) },
    );
    expect(lines.some((line) => line.includes("not sketched"))).toBe(true);
    expect(auto.distances).toEqual(["ft"]);
    const allBytes = 4 * 8 * hidden * hidden * 4;
    expect(progress.at(-1)).toEqual([allBytes, allBytes]);
    expect(progress.every(([done, total]) => done! <= total!)).toBe(true);
  });

  test("a LoRA family whose first probe layer is untouched is still recovered with ℓ_LoRA (the next sketched layer decides)", async () => {
    const folder = join(dir, "lora-value-only");
    await writeSyntheticTrees(folder, TREE, { mode: "lora", hidden: 64, loraRank: 4, seed: 33 });
    // Every model gets the root's query weights: the adapters now touch only the value layers.
    const root = await openSafetensorsFile(join(folder, "r", "model.safetensors"));
    const rootQuery = new Map(await Promise.all(root.filter((t) => t.name.includes("query")).map(async (t) => [t.name, await readTensor(t)] as const)));
    for (const id of ["r-c0", "r-c1", "r-c2", "r-c0-g0"]) {
      const file = join(folder, id, "model.safetensors");
      const tensors = await openSafetensorsFile(file);
      const data = await Promise.all(
        tensors.map(async (t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: rootQuery.get(t.name) ?? (await readTensor(t)) })),
      );
      await writeSafetensors(file, data as Parameters<typeof writeSafetensors>[1]);
    }
    const auto = await recover([folder], { ...options, distance: "auto" });
    const lora = await recover([folder], { ...options, distance: "lora" });
    expect(auto.distances).toEqual(["lora"]);
    expect(auto.graph).toEqual(lora.graph);
  });
});

describe("--distance auto with LoRA ranks at the probe's bar", () => {
  // The probe asks only whether a neighbour's rank is below its bar (LOW_RANK_FRACTION of min(rows, cols, sketch));
  // a rank proven at least ceil(bar) by the Gram–Cholesky test is not measured (rank-kernels.c). One rank below the
  // bar must still read as low rank (ℓ_LoRA), the bar itself as high (ℓ_FT): a proof that claimed too much would
  // turn the first tree into ℓ_FT. Both a whole bar (64 wide, sketch 40: bar 20) and a half one (48 wide, sketch 45:
  // bar 22.5, proven from 23) are read through the probe's row sample, as on real layers.
  const cases = [
    { hidden: 64, sketchSize: 40, below: 19, at: 20 },
    { hidden: 48, sketchSize: 45, below: 22, at: 23 },
  ];
  for (const { hidden, sketchSize, below, at } of cases) {
    for (const [loraRank, expected] of [
      [below, "lora"],
      [at, "ft"],
    ] as const) {
      test(`${hidden} wide, sketch ${sketchSize}: LoRA rank ${loraRank} is recovered with ℓ_${expected === "lora" ? "LoRA" : "FT"}, as that distance forced`, async () => {
        const folder = join(dir, `bar-${hidden}-${loraRank}`);
        await writeSyntheticTrees(folder, TREE, { mode: "lora", hidden, loraRank, seed: 41 });
        const auto = await recover([folder], { sketchSize, distance: "auto" });
        expect(auto.distances).toEqual([expected]);
        expect(auto.graph).toEqual((await recover([folder], { sketchSize, distance: expected })).graph);
      });
    }
  }
});

describe("withoutSketches", () => {
  test("drops the sketch role and the layers that were read only to be sketched, keeping order", () => {
    const job = (name: string, roles: LayerJob["roles"]): LayerJob => ({
      name,
      kind: "query",
      shape: [4, 4],
      tensors: [],
      roles,
      sketchSize: 2,
      histogramBins: 0,
    });
    const jobs = [
      job("a", { distance: true, score: true, sketch: true }),
      job("b", { distance: false, score: false, sketch: true }),
      job("c", { distance: false, score: true, sketch: false }),
    ];
    const kept = withoutSketches(jobs);
    expect(kept.map((j) => j.name)).toEqual(["a", "c"]);
    expect(kept.every((j) => !j.roles.sketch)).toBe(true);
    expect(jobs[0]!.roles.sketch).toBe(true);
  });
});

describe("the probe's neighbours", () => {
  test("nearestOf is the head of the filtered, stably sorted row it replaced: ties, zeros, NaN and +∞ alike", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.array(fc.constantFrom(0, Number.NaN, Number.POSITIVE_INFINITY, 1e-300, 0.5, 0.5, 1, 2, 3), { minLength: 576, maxLength: 576 }),
        (n, values) => {
          const meanAbsDiff = Float64Array.from(values.slice(0, n * n));
          for (let i = 0; i < n; i++) {
            const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i && meanAbsDiff[i * n + j]! > 0);
            others.sort((a, b) => meanAbsDiff[i * n + a]! - meanAbsDiff[i * n + b]!);
            expect(nearestOf(meanAbsDiff, n, i)).toEqual(others.slice(0, 2));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
