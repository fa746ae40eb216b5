/**
 * `experiments/llama-family.ts --quick` end to end: it trains (or finds in the shared test
 * cache) the five-model Llama-like family, and must leave bfloat16 checkpoints with
 * transformers' Llama names, a report page, and an accuracy that is exactly what the saved
 * recovered edges score against the saved truth — the same edges the CLI prints.
 */
import { describe, expect, test } from "bun:test";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { evaluateGraph } from "../../src/recover/evaluate-graph.ts";
import { openSafetensorsFile } from "../../src/io/read-safetensors.ts";
import type { ModelGraph, TruthGraph } from "../../src/types.ts";
import { REPOSITORY_ROOT, spawnExperiment, TEST_QUICK_CACHE } from "../fixtures/spawn-experiment.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const IDS = ["codellama", "codellama-instruct", "codellama-python", "llama-2", "llama-2-chat"];

describe("experiments/llama-family.ts --quick", () => {
  test("saves BF16 Llama checkpoints, recovers them, and reports the accuracy of the recovered edges", async () => {
    const reports = temporaryFolder("mother-llama-family-");
    const { code, stdout, stderr } = await spawnExperiment("llama-family", ["--quick", "--cache", TEST_QUICK_CACHE, "--reports", reports]);
    expect({ code, stderr: stderr.slice(-2000) }).toMatchObject({ code: 0 });

    // The release folder: one Hugging Face folder per model, every tensor bfloat16, Llama names.
    const release = stdout.match(/models: (\S+)/)![1]!;
    const folder = release.startsWith("/") ? release : join(REPOSITORY_ROOT, release);
    expect((await readdir(folder)).filter((name) => !name.includes(".")).sort()).toEqual(IDS);
    for (const id of IDS) {
      const tensors = await openSafetensorsFile(join(folder, id, "model.safetensors"));
      expect(new Set(tensors.map((t) => t.dtype))).toEqual(new Set(["BF16"]));
      const names = tensors.map((t) => t.name);
      for (const name of [
        "model.embed_tokens.weight",
        "model.layers.0.self_attn.q_proj.weight",
        "model.layers.0.mlp.gate_proj.weight",
        "model.norm.weight",
        "lm_head.weight",
      ])
        expect(names).toContain(name);
      const config = JSON.parse(await readFile(join(folder, id, "config.json"), "utf8"));
      expect(config).toMatchObject({ model_type: "llama", torch_dtype: "bfloat16" });
    }

    // The headline accuracy is what the saved recovered graph scores against the saved truth.
    const data = join(reports, "data", "llama-family");
    const truth = JSON.parse(await readFile(join(data, "truth.json"), "utf8")) as TruthGraph;
    const graph = JSON.parse(await readFile(join(data, "recovered.json"), "utf8")) as ModelGraph;
    expect(truth.edges.map((e) => `${e.parent}>${e.child}`).sort()).toEqual([
      "codellama>codellama-instruct",
      "codellama>codellama-python",
      "llama-2>codellama",
      "llama-2>llama-2-chat",
    ]);
    const accuracy = evaluateGraph(graph, truth).edges.accuracy;
    const row = stdout.split("\n").find((line) => line.startsWith("edge accuracy (paper"));
    expect(row).toBeDefined();
    expect(Number(row!.match(/\)\s+(\d+(\.\d+)?)/)![1])).toBeCloseTo(accuracy, 3);
    // The CLI on the same folder printed the same edges.
    expect(stdout).toMatch(/bun run mother recover .* yes\s*$/m);

    const index = await readFile(join(reports, "index.html"), "utf8");
    expect(index).toContain("llama-family-fig-1.html");
    const page = await readFile(join(reports, "llama-family-fig-1.html"), "utf8");
    expect(page).toContain("<svg");
  }, 60_000);
});
