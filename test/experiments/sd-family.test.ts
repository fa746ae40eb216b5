/**
 * `experiments/sd-family.ts --quick` end to end: the chain's root is the quick VTHR MAE root
 * (shared test cache), the continuations train from it, and the page's accuracy must be
 * exactly what the saved recovered edges score against the paper's Fig. 8 truth — the same
 * edges the CLI prints with `--stage generalization`.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import type { ModelGraph, TruthGraph } from "../../src/types.ts";
import { REPOSITORY_ROOT, spawnExperiment, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

describe("experiments/sd-family.ts --quick", () => {
  test("recovers the continued-pre-training chain as generalization nodes and reports the accuracy of the recovered edges", async () => {
    const reports = temporaryFolder("mother-sd-family-");
    const { code, stdout, stderr } = await spawnExperiment("sd-family", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code, stderr: stderr.slice(-2000) }).toMatchObject({ code: 0 });

    const data = join(reports, "data", "sd-family");
    const truth = JSON.parse(await readFile(join(data, "truth.json"), "utf8")) as TruthGraph;
    const graph = JSON.parse(await readFile(join(data, "recovered.json"), "utf8")) as ModelGraph;
    // Paper Fig. 8: v1.1 → v1.2 → {v1.3, v1.4}, v1.4 → v1.5, every model a generalization node.
    expect(truth.edges.map((e) => `${e.parent}>${e.child}`).sort()).toEqual(["sd-v1-1>sd-v1-2", "sd-v1-2>sd-v1-3", "sd-v1-2>sd-v1-4", "sd-v1-4>sd-v1-5"]);
    expect(truth.models.every((m) => m.stage === "generalization")).toBe(true);
    expect(graph.models.every((m) => m.stage === "generalization")).toBe(true);
    const accuracy = evaluateGraph(graph, truth).edges.accuracy;
    const row = stdout.split("\n").find((line) => line.startsWith("edge accuracy (paper"));
    expect(row).toBeDefined();
    expect(Number(row!.match(/\)\s+(\d+(\.\d+)?)/)![1])).toBeCloseTo(accuracy, 3);
    expect(stdout).toMatch(/bun run mother recover .*--stage generalization.* yes\s*$/m);

    // Released as float32 ViT checkpoints; sd-v1-1 is a model artefact of the shared cache (the VTHR MAE root).
    const release = stdout.match(/models: (\S+)/)![1]!;
    const folder = release.startsWith("/") ? release : join(REPOSITORY_ROOT, release);
    const tensors = await openSafetensorsFile(join(folder, "sd-v1-5", "model.safetensors"));
    expect(new Set(tensors.map((t) => t.dtype))).toEqual(new Set(["F32"]));
    expect(tensors.map((t) => t.name)).toContain("vit.encoder.layer.0.attention.attention.query.weight");
    const root = JSON.parse(await readFile(join(folder, "sd-v1-1", "artifact.json"), "utf8"));
    expect(root.config.config.objective.kind).toBe("vit-masked-patches");
    expect(root.config.config.data.tasks).toHaveLength(15);

    const page = await readFile(join(reports, "sd-family-fig-8.html"), "utf8");
    expect(page).toContain("<svg");
    expect(await readFile(join(reports, "index.html"), "utf8")).toContain("sd-family-fig-8.html");
  }, 60_000);
});
