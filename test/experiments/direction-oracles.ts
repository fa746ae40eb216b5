/**
 * Brute-force oracles the direction experiment tests check the scripts against: kurtosis by
 * its definition, the score summed over attention matrices picked by a name pattern (not by
 * classifyLayer), Spearman ρ of distinct values against their order, and direction agreement.
 */
import { join } from "node:path";
import { openSafetensorsFile, readTensor } from "../../src/io/read-safetensors.ts";
import type { TruthGraph } from "../../src/types.ts";

/** HF ViT query/key/value/attention-output weights (the "attention" layer set). */
export const ATTENTION_WEIGHT = /attention\.(attention\.(query|key|value)|output\.dense)\.weight$/;

/** Pearson kurtosis E[(x−μ)⁴]/E[(x−μ)²]² in plain f64 loops. */
export function kurtosisOracle(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - mean;
    m2 += d * d;
    m4 += d ** 4;
  }
  return m4 / values.length / (m2 / values.length) ** 2;
}

/** HF ViT block matrices: attention and MLP (the "all" layer set). */
export const BLOCK_WEIGHT = /layer\.\d+\.(attention\.(attention\.(query|key|value)|output\.dense)|intermediate\.dense|output\.dense)\.weight$/;

/** HF ViT query and value weights (the LoRA layers, "query+value"). */
export const QUERY_VALUE_WEIGHT = /attention\.attention\.(query|value)\.weight$/;

/** Population variance in plain f64 loops. */
export function varianceOracle(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) m2 += (values[i]! - mean) ** 2;
  return m2 / values.length;
}

/** Σ statistic over the weights of the checkpoint in `folder` whose names match `pattern`. */
export async function summedOracle(folder: string, pattern: RegExp, statistic: (values: ArrayLike<number>) => number): Promise<number> {
  const tensors = await openSafetensorsFile(join(folder, "model.safetensors"));
  let sum = 0;
  for (const tensor of tensors) if (pattern.test(tensor.name)) sum += statistic(await readTensor(tensor));
  return sum;
}

/** Σ kurtosis over the attention matrices of the checkpoint in `folder`. */
export function attentionKurtosisOracle(folder: string): Promise<number> {
  return summedOracle(folder, ATTENTION_WEIGHT, kurtosisOracle);
}

/** Spearman ρ of distinct values against their position: 1 − 6Σd²/(n(n²−1)). */
export function spearmanAgainstOrder(values: readonly number[]): number {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  let squared = 0;
  values.forEach((value, position) => (squared += (sorted.indexOf(value) - position) ** 2));
  return 1 - (6 * squared) / (n * (n * n - 1));
}

/** Fraction of true edges whose parent scores strictly higher than its child (all specialization). */
export function agreementOracle(truth: TruthGraph, score: ReadonlyMap<string, number>): number {
  return truth.edges.filter((e) => score.get(e.parent)! > score.get(e.child)!).length / truth.edges.length;
}

/** The part of a script's stdout from the line starting with `title` to the next blank line. */
export function section(stdout: string, title: string): string {
  const start = stdout.split("\n").findIndex((line) => line.startsWith(title));
  if (start < 0) throw new Error(`no section '${title}' in the output`);
  const lines = stdout.split("\n").slice(start);
  const end = lines.findIndex((line) => line.trim() === "");
  return lines.slice(0, end < 0 ? undefined : end).join("\n");
}
