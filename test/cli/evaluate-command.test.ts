/**
 * `mother evaluate` as a user meets it, run in-process with recorded output: every malformed or mismatched input
 * gets one line naming the file (a MotherError), anything scored despite a mismatch gets a note, then the scores.
 */
import { describe, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MotherError } from "../../src/errors.ts";
import { runEvaluateCommand } from "../../src/cli/evaluate-command.ts";
import { parseAllDocuments } from "yaml";
import { formatGraph } from "../../src/recover/format.ts";
import { GRAPH_FORMATS } from "../../src/recover/graph-formats.ts";
import { recover } from "../../src/recover/recover.ts";
import { writeTypedFamily } from "../fixtures/typed-family.ts";
import { temporaryFolder } from "../fixtures/temporary-folder.ts";

const dir = temporaryFolder("mother-evaluate-");

let fileCount = 0;
async function jsonFile(value: unknown): Promise<string> {
  const file = join(dir, `f${fileCount++}.json`);
  await writeFile(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
}

/** Runs evaluate on the two documents; returns what it printed, or the error it threw. */
async function evaluate(truth: unknown, result: unknown, json = false) {
  const [truthFile, resultFile] = [await jsonFile(truth), await jsonFile(result)];
  const out: string[] = [];
  const err: string[] = [];
  try {
    await runEvaluateCommand(resultFile, { truth: truthFile, json }, { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) });
  } catch (error) {
    return { error, truthFile, resultFile, stdout: out.join(""), stderr: err.join("") };
  }
  return { error: undefined, truthFile, resultFile, stdout: out.join(""), stderr: err.join("") };
}

const model = (id: string, tree = "T") => ({ id, stage: "specialization", tree });
const edge = (parent: string, child: string, type?: string) => ({ parent, child, ...(type ? { type } : {}), distance: 1 });
const truth = { models: ["a", "b", "c"].map((id) => model(id)), edges: [edge("a", "b"), edge("b", "c")] };
const result = {
  models: ["a", "b", "c"].map((id) => ({ id, path: id, stage: "specialization", score: 0 })),
  edges: [edge("a", "b"), edge("a", "c")],
  trees: [["a", "b", "c"]],
};

/** The error is one user-facing line naming `file`. */
function expectInputError(error: unknown, file: string, pattern: RegExp) {
  expect(error).toBeInstanceOf(MotherError);
  const message = (error as MotherError).message;
  expect(message.startsWith(`${file}: `)).toBe(true);
  expect(message).toMatch(pattern);
  expect(message).not.toContain("\n");
}

describe("mother evaluate: malformed files are one line naming the file and the JSON path", () => {
  test.each([
    ["a model that is null", { models: [null], edges: [] }, /models\[0\]: expected Object/],
    ["an edge without a child", { models: [model("a")], edges: [{ parent: "a" }] }, /edges\[0\]\.child: missing/],
    ["a numeric id", { models: [{ id: 7, tree: "T" }], edges: [] }, /models\[0\]\.id: expected string \(received 7\)/],
    [
      "an unknown relation type",
      { models: [model("a"), model("b")], edges: [edge("a", "b", "distilled")] },
      /edges\[0\]\.type: a relation type must be one of finetune, adapter, quantized, merge/,
    ],
    ["a top-level array", [], /models: missing; edges: missing/],
    ["a top-level string", '"truth"', /the file: expected Object/],
  ])("truth with %s", async (_, badTruth, pattern) => {
    const run = await evaluate(badTruth, result);
    expectInputError(run.error, run.truthFile, pattern);
    expect(run.stdout).toBe("");
  });

  test("a result whose trees are not lists of ids", async () => {
    const run = await evaluate(truth, { ...result, trees: [[1, 2]] });
    expectInputError(run.error, run.resultFile, /trees\[0\]\[0\]: expected string \(received 1\)/);
  });

  test("more than three problems are counted, not all listed", async () => {
    const run = await evaluate({ models: [1, 2, 3, 4, 5], edges: [] }, result);
    expectInputError(run.error, run.truthFile, /models\[2\].*\(and 2 more\)/);
  });

  test("a file that is not JSON, or missing", async () => {
    const run = await evaluate("{ nope", result);
    expectInputError(run.error, run.truthFile, /is not valid JSON/);
    const missing = join(dir, "missing.json");
    const error = await runEvaluateCommand(missing, { truth: run.truthFile }).catch((e: unknown) => e);
    expectInputError(error, run.truthFile, /is not valid JSON/);
    const truthFile = await jsonFile(truth);
    const gone = await runEvaluateCommand(missing, { truth: truthFile }).catch((e: unknown) => e);
    expectInputError(gone, missing, /cannot be read \(ENOENT\)/);
  });
});

describe("mother evaluate: a truth or result that is not a Model Graph is refused", () => {
  test("a child with two parents, not typed merge", async () => {
    const run = await evaluate({ ...truth, edges: [edge("a", "c"), edge("b", "c")] }, result);
    expectInputError(run.error, run.truthFile, /several parents but not all its edges are typed "merge" \(c ← a, b\)/);
  });

  test("a cycle", async () => {
    const run = await evaluate({ ...truth, edges: [edge("a", "b"), edge("b", "c"), edge("c", "a")] }, result);
    expectInputError(run.error, run.truthFile, /edges form a cycle \(b → c → a → b\)/);
  });

  test("an edge naming a model the file does not list, and a model listed twice", async () => {
    const ghost = await evaluate({ ...truth, edges: [edge("a", "ghost")] }, result);
    expectInputError(ghost.error, ghost.truthFile, /edge names a model that is not listed \(ghost\)/);
    const twice = await evaluate(truth, { ...result, models: [...result.models, result.models[0]] });
    expectInputError(twice.error, twice.resultFile, /model listed twice \(a\)/);
  });

  test("a truth whose ids match none of the result's", async () => {
    const run = await evaluate({ models: [model("x"), model("y")], edges: [edge("x", "y")] }, result);
    expectInputError(run.error, run.resultFile, /shares no model id with .*truth: x, y; result: a, b, c/);
  });

  test("some models with a tree and some without", async () => {
    const run = await evaluate({ models: [model("a"), { id: "b" }, model("c")], edges: [] }, result);
    expectInputError(run.error, run.truthFile, /some models name their tree and some do not \(first without: b\)/);
  });
});

describe("mother evaluate: notes, then scores", () => {
  test("models missing from either side are named in notes and scored as said", async () => {
    const partial = { ...result, models: [...result.models.slice(0, 2), { id: "z" }], edges: [edge("a", "b"), edge("a", "z")], trees: [["a", "b", "z"]] };
    const run = await evaluate(truth, partial, true);
    expect(run.error).toBeUndefined();
    expect(run.stderr).toContain("lacks 1 model(s) of the truth, counted as not recovered (c)");
    expect(run.stderr).toContain("1 model(s) the truth does not list are left out of the scores, and so are edges into them;");
    expect(run.stderr).toContain("counts as a wrong parent (z)");
    const scores = JSON.parse(run.stdout);
    expect(scores.notes).toHaveLength(3); // and the untyped edges
    // a → b right; a → z left out; b → c missing
    expect(scores.directed).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3, correct: 1, predicted: 1, total: 2 });
    expect(scores.clustering).toBeCloseTo(2 / 3, 12);
  });

  test("an edge from a model the truth does not list into one it does is a wrong parent", async () => {
    const stranger = { models: ["a", "b", "c", "z"].map((id) => ({ id })), edges: [edge("z", "b", "finetune"), edge("b", "c", "finetune")] };
    const scores = JSON.parse((await evaluate(truth, stranger, true)).stdout);
    expect(scores.directed).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, correct: 1, predicted: 2, total: 2 });
  });

  test("typed truth with a merge: directed and typed precision, recall, F1 and recall per type (hand-computed)", async () => {
    // truth: b ft a; c adapter a; q quantized b; m merge of b and c
    const typedTruth = {
      models: ["a", "b", "c", "q", "m"].map((id) => ({ id, tree: "T" })),
      edges: [edge("a", "b", "finetune"), edge("a", "c", "adapter"), edge("b", "q", "quantized"), edge("b", "m", "merge"), edge("c", "m", "merge")],
    };
    // result: a→b finetune ✓✓, a→c finetune ✓ (wrong type), a→q quantized ✗ (wrong parent), b→m merge ✓✓, a→m merge ✗
    const typedResult = {
      models: typedTruth.models.map(({ id }) => ({ id })),
      edges: [edge("a", "b", "finetune"), edge("a", "c", "finetune"), edge("a", "q", "quantized"), edge("b", "m", "merge"), edge("a", "m", "merge")],
      trees: [["a", "b", "c", "q", "m"]],
    };
    const run = await evaluate(typedTruth, typedResult, true);
    expect(run.error).toBeUndefined();
    const scores = JSON.parse(run.stdout);
    expect(scores.directed).toEqual({ precision: 3 / 5, recall: 3 / 5, f1: 3 / 5, correct: 3, predicted: 5, total: 5 });
    expect(scores.typed).toEqual({ precision: 2 / 5, recall: 2 / 5, f1: 2 / 5, correct: 2, predicted: 5, total: 5 });
    expect(scores.perType).toEqual([
      { type: "finetune", total: 1, recovered: 1, typed: 1 },
      { type: "adapter", total: 1, recovered: 1, typed: 0 },
      { type: "quantized", total: 1, recovered: 0, typed: 0 },
      { type: "merge", total: 2, recovered: 1, typed: 1 },
    ]);
    expect(scores.edges).toEqual({ correct: 3, total: 5, accuracy: 0.6 });
    expect(scores.clustering).toBe(1);
    const text = await evaluate(typedTruth, typedResult);
    expect(text.stdout).toContain("directed precision   0.600  (3/5");
    expect(text.stdout).toContain("typed F1             0.400");
    expect(text.stdout).toContain("  adapter    recall 0.000  (0/1 with type; 1/1 as a pair)");
    expect(text.stdout).toContain("edge accuracy        0.600");
  });

  test("untyped truth: typed F1 is n/a; untyped result edges count as finetune, with a note", async () => {
    const untypedResult = { ...result, edges: result.edges.map(({ parent, child }) => ({ parent, child })) };
    const run = await evaluate(truth, untypedResult);
    expect(run.error).toBeUndefined();
    expect(run.stdout).toContain("typed F1             n/a");
    expect(run.stdout).toContain("directed recall      0.500");
    expect(run.stderr).toContain("2 edge(s) without a type (written before typed output) are counted as finetune");
    const typedTruth = { ...truth, edges: truth.edges.map((e) => ({ ...e, type: "finetune" })) };
    expect(JSON.parse((await evaluate(typedTruth, untypedResult, true)).stdout).typed.correct).toBe(1);
  });

  test("a truth without tree names is clustered by its edges' components", async () => {
    const treeless = { models: ["a", "b", "x", "y"].map((id) => ({ id })), edges: [edge("a", "b"), edge("x", "y")] };
    const twoTrees = {
      models: treeless.models,
      edges: [edge("a", "b"), edge("x", "y")],
      trees: [
        ["a", "b"],
        ["x", "y"],
      ],
    };
    const run = await evaluate(treeless, twoTrees, true);
    expect(JSON.parse(run.stdout).clustering).toBe(1);
    const mixed = await evaluate(
      treeless,
      {
        ...twoTrees,
        trees: [
          ["a", "x"],
          ["b", "y"],
        ],
      },
      true,
    );
    expect(JSON.parse(mixed.stdout).clustering).toBe(0.5);
  });
});

describe("mother evaluate on a recovered typed family (merges, adapters, a re-save)", () => {
  test("every format renders the recovered graph, and evaluate scores it against the typed truth with typed F1 1", async () => {
    const family = join(dir, "typed-family");
    const truth = await writeTypedFamily(family);
    const { graph } = await recover([family]);
    for (const format of GRAPH_FORMATS) expect(formatGraph(graph, format).length).toBeGreaterThan(0);
    const hf = parseAllDocuments(formatGraph(graph, "hf"), { version: "1.1" });
    if (!Array.isArray(hf)) throw new Error("not a stream");
    const merged = hf.map((d) => d.toJS()).find((d) => d["m-linear"])?.["m-linear"];
    expect(merged).toEqual({ base_model: expect.arrayContaining(["f0", "f1"]), base_model_relation: "merge" });
    const typedTruth = { models: truth.ids.map((id) => ({ id })), edges: truth.edges };
    const run = await evaluate(typedTruth, JSON.parse(formatGraph(graph, "json")), true);
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe("");
    const scores = JSON.parse(run.stdout);
    expect(scores.directed.f1).toBe(1);
    expect(scores.typed.f1).toBe(1);
    expect(scores.perType.map((t: { type: string }) => t.type)).toEqual(["finetune", "adapter", "quantized", "merge"]);
    expect(scores.clustering).toBe(1);
  }, 60_000);
});
