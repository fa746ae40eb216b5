/**
 * `mother evaluate --truth T R`: checks both files (evaluate-input.ts), says what does not match, then prints the
 * scores — directed precision, recall and F1 over (parent, child) pairs, typed F1 and recall per type (typed truth),
 * clustering accuracy, and the paper's edge accuracy per tree (paper §6, SPEC §8).
 */
import { readFile } from "node:fs/promises";
import { evaluateFileNotJson, evaluateFileUnreadable } from "../messages.ts";
import { evaluateGraph, type GraphScores } from "../recover/evaluate-graph.ts";
import { compareModels, parseResult, parseTruth } from "../recover/evaluate-input.ts";

/** Where the command writes; tests pass recorders. */
export interface EvaluateOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_OUTPUT: EvaluateOutput = { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw evaluateFileUnreadable(file, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw evaluateFileNotJson(file, (error as Error).message);
  }
}

/** Runs the command; notes go to standard error (and into `notes` with --json), scores to standard output. */
export async function runEvaluateCommand(resultFile: string, options: { truth: string; json?: boolean }, output = PROCESS_OUTPUT): Promise<void> {
  const truth = parseTruth(options.truth, await readJson(options.truth));
  const { result, notes } = parseResult(resultFile, await readJson(resultFile));
  notes.push(...compareModels(options.truth, truth, resultFile, result));
  if (truth.edges.length > 0 && !truth.edges.every((e) => e.type !== undefined) && truth.edges.some((e) => e.type !== undefined)) {
    notes.push(`${options.truth}: only some edges have a type, so typed F1 is not computed`);
  }
  const scores = evaluateGraph(result, truth);
  for (const note of notes) output.stderr(`note: ${note}\n`);
  if (options.json) {
    output.stdout(`${JSON.stringify({ ...scores, notes }, null, 2)}\n`);
    return;
  }
  output.stdout(`${scoreLines(scores).join("\n")}\n`);
}

/** The scores as aligned lines. */
function scoreLines(scores: GraphScores): string[] {
  const { directed, typed } = scores;
  const value = (x: number) => x.toFixed(3);
  return [
    `directed precision   ${value(directed.precision)}  (${directed.correct}/${directed.predicted} recovered edges are true, with direction)`,
    `directed recall      ${value(directed.recall)}  (${directed.correct}/${directed.total} true edges recovered, with direction)`,
    `directed F1          ${value(directed.f1)}`,
    typed
      ? `typed F1             ${value(typed.f1)}  (${typed.correct} edges right with their type; ` +
        `precision ${value(typed.precision)}, recall ${value(typed.recall)})`
      : "typed F1             n/a  (the truth's edges have no type)",
    ...scores.perType.map(
      (t) => `  ${t.type.padEnd(10)} recall ${value(t.typed / t.total)}  (${t.typed}/${t.total} with type; ${t.recovered}/${t.total} as a pair)`,
    ),
    `clustering accuracy  ${value(scores.clustering)}`,
    `edge accuracy        ${value(scores.edges.accuracy)}  (paper §6: ${scores.edges.correct}/${scores.edges.total} true edges recovered with direction)`,
    ...scores.perTree.map((t) => `  tree ${t.tree.padEnd(24)} ${value(t.accuracy)}  (${t.correct}/${t.total})`),
  ];
}
