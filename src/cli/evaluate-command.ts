/** `mother evaluate --truth T R`: edge accuracy (paper §6) and clustering accuracy. */
import { readFile } from "node:fs/promises";
import type { ModelGraph, TruthGraph } from "../types.ts";
import { MotherError } from "../errors.ts";
import { evaluateGraph } from "../recover/evaluate-graph.ts";

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new MotherError(file, "cannot be read", { help: "check the path" });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MotherError(file, "is not valid JSON", { value: (error as Error).message });
  }
}

/** Checks the shape of a truth or result file, naming the file and the missing field. */
function requireArrays(file: string, value: unknown, fields: readonly string[]): void {
  if (typeof value !== "object" || value === null) throw new MotherError(file, "must be a JSON object");
  for (const field of fields) {
    if (!Array.isArray((value as Record<string, unknown>)[field])) throw new MotherError(file, `has no "${field}" array`);
  }
}

export async function runEvaluateCommand(resultFile: string, options: { truth: string; json?: boolean }): Promise<void> {
  const truth = await readJson(options.truth);
  requireArrays(options.truth, truth, ["models", "edges"]);
  const result = await readJson(resultFile);
  requireArrays(resultFile, result, ["models", "edges", "trees"]);
  const scores = evaluateGraph(result as ModelGraph, truth as TruthGraph);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(scores, null, 2)}\n`);
    return;
  }
  const lines = [
    `edge accuracy        ${scores.edges.accuracy.toFixed(3)}  (${scores.edges.correct}/${scores.edges.total} true edges recovered with direction)`,
    `clustering accuracy  ${scores.clustering.toFixed(3)}`,
    ...scores.perTree.map((t) => `  tree ${t.tree.padEnd(24)} ${t.accuracy.toFixed(3)}  (${t.correct}/${t.total})`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
