/**
 * The CLI as a user meets it: a real `bun src/cli/main.ts` process per case. Bad input must
 * give one line naming the file and the problem, a non-zero exit, and no output file.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { cp, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeSafetensors } from "../../src/io/write-safetensors.ts";
import { writePeftAdapter } from "../../src/io/peft/write-peft-adapter.ts";
import { readStatsTable, statsFromArrow } from "../../src/stats/stats-table.ts";
import { writeSyntheticTrees } from "../fixtures/synthetic-trees.ts";
import { buildProgram } from "../../src/cli/program.ts";
import { MAX_WORKERS } from "../../src/cli/recover-flags.ts";
import { DEFAULT_RECOVER_OPTIONS } from "../../src/recover/options.ts";
import { runMother } from "../fixtures/run-mother.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-cli-");
let good: string;
let truthFile: string;

/** The CLI as a user runs it, its default layer cache in the test's folder. */
const mother = (...args: string[]) => runMother(args, { cacheHome: join(dir, "xdg-cache") });

beforeAll(async () => {
  good = join(dir, "good");
  const truth = await writeSyntheticTrees(good, [{ root: "r", children: 2, grandchildren: 1 }], { seed: 7 });
  truthFile = join(dir, "truth.json");
  await writeFile(truthFile, JSON.stringify(truth));
});

/** A copy of the good set with one model's weights replaced by `bytes`. */
async function setWithBrokenModel(name: string, bytes: Uint8Array | ((file: string) => Promise<void>)): Promise<{ set: string; file: string }> {
  const set = join(dir, name);
  await cp(good, set, { recursive: true });
  const file = join(set, "r-c0", "model.safetensors");
  if (typeof bytes === "function") await bytes(file);
  else await writeFile(file, bytes);
  return { set, file };
}

describe("mother recover", () => {
  test("writes the SPEC §5 JSON and evaluate scores it against the truth", async () => {
    const out = join(dir, "result.json");
    const run = await mother("recover", good, "--out", out, "--quiet");
    expect(run.code).toBe(0);
    const graph = JSON.parse(await readFile(out, "utf8"));
    expect(Object.keys(graph)).toEqual(["models", "edges", "trees", "notes", "directions"]);
    // One decision per tree: the default policy's rule, and a branching tree's orientation decided by its branches.
    expect(graph.directions).toHaveLength(1);
    expect(graph.directions[0]).toMatchObject({ root: "r", rule: "kurtosis", trend: "falls", decidedBy: "branches" });
    expect(graph.directions[0].margin).toBeGreaterThan(0);
    expect(graph.models.every((m: { format: string }) => m.format === "safetensors")).toBe(true);
    expect(graph.edges.every((e: { type: string }) => e.type === "finetune")).toBe(true);
    expect(graph.models.map((m: { id: string }) => m.id).sort()).toEqual(["r", "r-c0", "r-c0-g0", "r-c1", "r-c1-g0"]);
    const scored = await mother("evaluate", "--truth", truthFile, out, "--json");
    expect(scored.code).toBe(0);
    expect(JSON.parse(scored.stdout).edges.accuracy).toBe(1);
  }, 30_000);

  test("caches layers under XDG_CACHE_HOME by default, so a re-run says it read none; --no-cache keeps nothing", async () => {
    const set = join(dir, "cached");
    await cp(good, set, { recursive: true });
    const first = await mother("recover", set);
    expect(first.code).toBe(0);
    // The CLI prints one line per tree saying how its direction was decided.
    expect(first.stderr).toMatch(/tree rooted at r: direction by kurtosis \(falls from parent to child\), margin \d+\.\d\d λ, decided by its branches/);
    const again = await mother("recover", set);
    expect(again.stderr).toMatch(/(\d+) of \1 layers taken from the layer cache \(.*xdg-cache\/mother\/layers\)/);
    expect(again.stdout).toBe(first.stdout);
    const elsewhere = join(dir, "no-cache-here");
    const uncached = await mother("recover", set, "--cache", elsewhere, "--no-cache");
    expect(uncached.stderr).not.toContain("layer cache");
    expect(uncached.stdout).toBe(first.stdout);
    expect(existsSync(elsewhere)).toBe(false);
  }, 30_000);

  test("--verify-cache reads a checkpoint rewritten in place (same size, same mtime) again; the default cache serves it stale, as --help says", async () => {
    const set = join(dir, "rewritten");
    await cp(good, set, { recursive: true });
    const target = join(set, "r-c0", "model.safetensors");
    const time = new Date("2026-01-02T03:04:05Z");
    await utimes(target, time, time);
    const first = await mother("recover", set, "--quiet");
    expect((await mother("recover", set, "--verify-cache", "--quiet")).stdout).toBe(first.stdout);
    await cp(join(set, "r-c1", "model.safetensors"), target);
    await utimes(target, time, time);
    const fresh = await mother("recover", set, "--no-cache", "--quiet");
    expect(fresh.stdout).not.toBe(first.stdout);
    expect((await mother("recover", set, "--quiet")).stdout).toBe(first.stdout);
    expect((await mother("recover", set, "--verify-cache", "--quiet")).stdout).toBe(fresh.stdout);
    const help = (await mother("recover", "--help")).stdout.replace(/\s+/g, " ");
    expect(help).toContain(
      "keyed by each file's path, size and mtime: one stat per file, but a file rewritten in place with the same size and mtime is served stale",
    );
    expect(help).toContain("--verify-cache key the layer cache by a checksum of each selected tensor's bytes");
  }, 60_000);

  test("--stats writes every statistic of every layer read as an Arrow table", async () => {
    const stats = join(dir, "stats.arrow");
    const run = await mother("recover", good, "--stats", stats, "--quiet");
    expect(run.code).toBe(0);
    const rows = statsFromArrow(await readStatsTable(stats));
    expect(new Set(rows.map((r) => r.model))).toEqual(new Set(["r", "r-c0", "r-c0-g0", "r-c1", "r-c1-g0"]));
    expect(rows.every((r) => Number.isFinite(r.stats.entropy) && r.stats.entropy > 0 && r.stats.kurtosis > 0)).toBe(true);
  }, 30_000);

  test.each(["mermaid", "dot", "newick", "hf"])(
    "--format %s prints the tree to standard output",
    async (format) => {
      const run = await mother("recover", good, "--format", format, "--quiet");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("r-c0-g0");
      if (format === "hf") expect(run.stdout).toContain("r-c0-g0:\n  base_model: r-c0\n  base_model_relation: finetune\n");
    },
    30_000,
  );

  test("recover --help documents the hf layout and the edge types", async () => {
    const run = await mother("recover", "--help");
    expect(run.stdout).toContain("base_model_relation");
    expect(run.stdout).toMatch(/finetune\s*\|\s*adapter\s*\|\s*quantized\s*\|\s*merge/);
  });

  const badCases: [string, () => Promise<{ set: string; file?: string }>, RegExp][] = [
    [
      "a truncated file",
      async () =>
        setWithBrokenModel("truncated", async (file) => {
          const bytes = await readFile(file);
          await writeFile(file, bytes.subarray(0, bytes.byteLength - 100));
        }),
      /truncated|shorter|past the end|end of file/i,
    ],
    [
      "a header that is not JSON",
      async () =>
        setWithBrokenModel(
          "not-json",
          (() => {
            const bytes = new Uint8Array(8 + 4);
            new DataView(bytes.buffer).setBigUint64(0, 4n, true);
            bytes.set(new TextEncoder().encode("{{{{"), 8);
            return bytes;
          })(),
        ),
      /json/i,
    ],
    [
      "NaN weights",
      async () =>
        setWithBrokenModel("nan", async (file) => {
          const name = "vit.encoder.layer.0.attention.attention.query.weight";
          await writeSafetensors(file, [{ name, dtype: "F32", shape: [2, 2], data: Float32Array.of(1, Number.NaN, 0, 0) }]);
        }),
      /nan|finite/i,
    ],
    ["a missing path", async () => ({ set: join(dir, "does-not-exist") }), /cannot read path/],
  ];
  test.each(badCases)(
    "%s gives one line naming the file, exit 1, and no output file",
    async (_name, make, problem) => {
      const { set, file } = await make();
      const out = join(dir, `out-${Math.random().toString(36).slice(2)}.json`);
      const run = await mother("recover", set, "--out", out, "--quiet");
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]!).toContain(file ?? set);
      expect(lines[0]!).toMatch(problem);
      expect(existsSync(out)).toBe(false);
    },
    30_000,
  );

  test("models of different architectures land in different trees, never a crash", async () => {
    const set = join(dir, "mixed");
    await cp(good, set, { recursive: true });
    await writeSyntheticTrees(join(dir, "wide"), [{ root: "w", children: 1, grandchildren: 0 }], { hidden: 16, seed: 9 });
    await cp(join(dir, "wide", "w"), join(set, "w"), { recursive: true });
    await cp(join(dir, "wide", "w-c0"), join(set, "w-c0"), { recursive: true });
    const run = await mother("recover", set, "--quiet");
    expect(run.code).toBe(0);
    const graph = JSON.parse(run.stdout);
    const treeOf = (id: string) => graph.trees.findIndex((t: string[]) => t.includes(id));
    expect(treeOf("w")).toBe(treeOf("w-c0"));
    expect(treeOf("w")).not.toBe(treeOf("r"));
  }, 30_000);

  test("adapter weights without their adapter_config.json are refused, naming the file", async () => {
    const set = join(dir, "adapters");
    for (const id of ["a1", "a2"]) {
      await mkdir(join(set, id), { recursive: true });
      const factor = (name: string, shape: [number, number]) => ({
        name,
        dtype: "F32" as const,
        shape,
        data: new Float32Array(shape[0] * shape[1]).fill(0.01),
      });
      await writeSafetensors(join(set, id, "adapter_model.safetensors"), [
        factor("base_model.model.vit.encoder.layer.0.attention.attention.query.lora_A.weight", [4, 16]),
        factor("base_model.model.vit.encoder.layer.0.attention.attention.query.lora_B.weight", [16, 4]),
      ]);
    }
    const out = join(dir, "adapters.json");
    const run = await mother("recover", set, "--quiet", "--out", out);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(`${join(set, "a1", "adapter_model.safetensors")}: adapter weights without adapter_config.json`);
    expect(existsSync(out)).toBe(false);
  }, 30_000);

  test("PEFT adapter folders: JSON has the adapter edge and format peft, an orphan's note; --format hf names the base with relation adapter", async () => {
    const set = join(dir, "with-adapters");
    await cp(good, set, { recursive: true });
    const modules = ["query", "value"].map((p) => ({
      module: `vit.encoder.layer.0.attention.attention.${p}`,
      a: Float32Array.from({ length: 2 * 32 }, (_, i) => Math.sin(i)),
      b: Float32Array.from({ length: 32 * 2 }, (_, i) => 0.01 * Math.cos(i)),
      fanIn: 32,
      fanOut: 32,
    }));
    await writePeftAdapter(join(set, "lora-r"), { baseModel: "org/r", rank: 2, alpha: 4, modules });
    await writePeftAdapter(join(set, "orphan"), { baseModel: "org/absent", rank: 2, alpha: 4, modules });
    const run = await mother("recover", set, "--quiet");
    expect(run.code).toBe(0);
    const graph = JSON.parse(run.stdout);
    expect(graph.edges.find((e: { child: string }) => e.child === "lora-r")).toMatchObject({ parent: "r", type: "adapter" });
    expect(graph.models.find((m: { id: string }) => m.id === "lora-r").format).toBe("peft");
    expect(graph.models.find((m: { id: string }) => m.id === "orphan")).toMatchObject({ format: "peft", score: null });
    expect(graph.notes).toHaveLength(1);
    expect(graph.notes[0]).toStartWith("adapter orphan: its base org/absent is not among the inputs");
    const hf = await mother("recover", set, "--quiet", "--format", "hf");
    expect(hf.code).toBe(0);
    expect(hf.stdout).toContain("base_model_relation: adapter");
  }, 60_000);

  test("a pickle adapter (adapter_model.bin) is refused: one line naming it, exit 1, no output", async () => {
    const set = join(dir, "pickle-adapter");
    await mkdir(join(set, "a1"), { recursive: true });
    await writeFile(join(set, "a1", "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 2, lora_alpha: 4 }));
    await writeFile(join(set, "a1", "adapter_model.bin"), "not unpickled");
    const out = join(dir, "pickle.json");
    const run = await mother("recover", set, join(good, "r"), "--quiet", "--out", out);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(`${join(set, "a1", "adapter_model.bin")}: is a pickle checkpoint`);
    expect(existsSync(out)).toBe(false);
  }, 30_000);

  test("fewer than two models is an error naming the input", async () => {
    const run = await mother("recover", join(good, "r"), "--quiet");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("need at least two models");
  }, 30_000);

  test("a --stages file naming an unknown model or stage is an error naming the file", async () => {
    const stages = join(dir, "stages.json");
    await writeFile(stages, JSON.stringify({ r: "pretraining" }));
    const run = await mother("recover", good, "--stages", stages, "--quiet");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(stages);
    await writeFile(stages, JSON.stringify({ nobody: "specialization" }));
    const unknown = await mother("recover", good, "--stages", stages, "--quiet");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("nobody");
  }, 30_000);

  test("an unknown option or bad number is refused with usage help", async () => {
    const run = await mother("recover", good, "--lambda", "-1");
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("--lambda");
  }, 30_000);
});

describe("mother evaluate", () => {
  test("a truth file without edges is an error naming it", async () => {
    const bad = join(dir, "bad-truth.json");
    await writeFile(bad, JSON.stringify({ models: [] }));
    await mkdir(join(dir, "e"), { recursive: true });
    const run = await mother("evaluate", "--truth", bad, truthFile);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(bad);
  }, 30_000);

  test("a malformed truth is one line naming the file and the field, exit 1, not a stack trace", async () => {
    const bad = join(dir, "null-model-truth.json");
    await writeFile(bad, JSON.stringify({ models: [null], edges: [] }));
    const run = await mother("evaluate", "--truth", bad, truthFile);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^mother: .*null-model-truth\.json: models\[0\]: expected Object/)]);
  }, 30_000);
});

describe("mother recover options", () => {
  test("every recovery default is the library's (DEFAULT_RECOVER_OPTIONS), not a copy", () => {
    const recover = buildProgram().commands.find((command) => command.name() === "recover");
    const defaults = new Map(recover?.options.map((option) => [option.attributeName(), option.defaultValue]));
    for (const key of ["stage", "trees", "distance", "ftDistance", "lambda", "score"] as const) expect(defaults.get(key)).toBe(DEFAULT_RECOVER_OPTIONS[key]);
    // Every option named as a library option takes the library's default (a new one cannot drift either).
    const library: Readonly<Record<string, unknown>> = { ...DEFAULT_RECOVER_OPTIONS };
    for (const [key, value] of defaults) if (key in library && value !== undefined) expect([key, value]).toEqual([key, library[key]]);
  });

  test("README's option table gives each option the default and the choices `mother recover --help` has", async () => {
    const recover = buildProgram().commands.find((command) => command.name() === "recover")!;
    const readme = await readFile(join(import.meta.dir, "../../README.md"), "utf8");
    const rows = readme
      .split("\n")
      .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()))
      .filter((cells) => /^`--[a-z-]+/.test(cells[1] ?? ""));
    let compared = 0;
    for (const [, named = "", readmeDefault = ""] of rows) {
      const [long = "", listed] = named.replaceAll("`", "").split(" ");
      const option = recover.options.find((candidate) => candidate.long === long);
      if (!option || option.defaultValue === undefined) continue;
      expect([long, readmeDefault]).toEqual([long, String(option.defaultValue)]);
      // The choices as README lists them ("a\|b\|c"), unless it abbreviates them ("a\|b\|…").
      if (option.argChoices && listed && !listed.includes("…")) expect([long, listed.split("\\|")]).toEqual([long, option.argChoices]);
      compared++;
    }
    // The table's recovery options (stage, chain, sibling angles, pair rules, trees, distances, score, format, …).
    expect(compared).toBeGreaterThanOrEqual(15);
  });

  test("--workers accepts whole numbers from 0 to MAX_WORKERS and says so, without offering 'auto'", async () => {
    for (const value of ["auto", String(MAX_WORKERS + 1)]) {
      const run = await mother("recover", good, "--workers", value);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`expected a whole number from 0 to ${MAX_WORKERS}`);
      expect(run.stderr).not.toContain("or 'auto'");
    }
  }, 30_000);
});
