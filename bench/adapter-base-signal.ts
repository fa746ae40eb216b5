/**
 * Can an adapter's weights tell its base? Measured on the VTHR models in the artifact cache
 * (`experiments/vthr.ts` trains them): each LoRA-trained child's update Δ = child − parent on the
 * adapted query/value layers is factored back into B · A (its rank, from the training config),
 * and its subspace alignment (src/io/peft/subspace-alignment.ts) with each candidate is summed
 * over those layers. Two questions, two counts:
 *
 *   1. family: among the pre-trained roots, is the best-aligned one the root of the child's tree?
 *   2. parent: among the full-weight models of that tree (its root and fine-tunes), is the
 *      best-aligned one the child's parent (counted where the parent is one of them)?
 *
 * Usage: bun run bench/adapter-base-signal.ts [--cache .cache]
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { subspaceAlignment } from "../src/io/peft/subspace-alignment.ts";
import { openSafetensorsFile, readTensor } from "../src/io/read-safetensors.ts";

const { values: args } = parseArgs({ options: { cache: { type: "string", default: ".cache" } } });
const folder = join(args.cache!, "model");

interface Entry {
  readonly key: string;
  readonly parent: string | undefined;
  readonly rank: number | undefined;
  readonly layers: Map<string, { rows: number; cols: number; values: Float32Array | Float64Array }>;
}

const entries = new Map<string, Entry>();
for (const name of await readdir(folder)) {
  const artifact = Bun.file(join(folder, name, "artifact.json"));
  const weights = join(folder, name, "model.safetensors");
  if (!(await artifact.exists()) || !(await Bun.file(weights).exists())) continue;
  const json = (await artifact.json()) as { key: string; parent?: string; config: { config: { lora?: { rank: number } } } };
  const layers = new Map<string, { rows: number; cols: number; values: Float32Array | Float64Array }>();
  for (const tensor of await openSafetensorsFile(weights)) {
    if (!/\.(query|value)\.weight$|\.(q_proj|v_proj)\.weight$/.test(tensor.name) || tensor.shape.length !== 2) continue;
    layers.set(tensor.name, { rows: tensor.shape[0]!, cols: tensor.shape[1]!, values: await readTensor(tensor) });
  }
  entries.set(json.key, { key: json.key, parent: json.parent ?? undefined, rank: json.config.config.lora?.rank, layers });
}
const rootOf = (key: string): string => {
  let at = entries.get(key);
  while (at?.parent && entries.has(at.parent)) at = entries.get(at.parent);
  return at?.key ?? key;
};
const roots = [...entries.values()].filter((e) => !e.parent).map((e) => e.key);

/** B (rows × r) and A (r × cols) of the best rank-r approximation of `delta`. */
function factor(delta: Float64Array, rows: number, cols: number, rank: number): { a: Float64Array; b: Float64Array } {
  const svd = new SingularValueDecomposition(new Matrix(Array.from({ length: rows }, (_, i) => Array.from(delta.subarray(i * cols, (i + 1) * cols)))));
  const b = Float64Array.from({ length: rows * rank }, (_, at) => svd.leftSingularVectors.get(Math.floor(at / rank), at % rank) * svd.diagonal[at % rank]!);
  const a = Float64Array.from({ length: rank * cols }, (_, at) => svd.rightSingularVectors.get(at % cols, Math.floor(at / cols)));
  return { a, b };
}

let children = 0;
let familyHits = 0;
let parentCases = 0;
let parentHits = 0;
let parentChance = 0;
for (const child of entries.values()) {
  if (!child.rank || !child.parent || !entries.has(child.parent)) continue;
  const parent = entries.get(child.parent)!;
  const rank = child.rank;
  const updates = [...child.layers].flatMap(([name, layer]) => {
    const base = parent.layers.get(name);
    if (!base) return [];
    const delta = Float64Array.from(layer.values, (x, i) => x - base.values[i]!);
    return [{ name, ...factor(delta, layer.rows, layer.cols, Math.min(rank, layer.rows, layer.cols)) }];
  });
  const alignment = (candidate: Entry) =>
    updates.reduce((sum, { name, a, b }) => {
      const weight = candidate.layers.get(name);
      return weight ? sum + subspaceAlignment(weight, a, b, Math.min(rank, weight.rows, weight.cols), Math.min(rank, weight.rows, weight.cols)) : sum;
    }, 0);
  const best = (keys: readonly string[]) => keys.map((key) => [key, alignment(entries.get(key)!)] as const).sort((x, y) => y[1] - x[1])[0]![0];
  children++;
  if (best(roots) === rootOf(child.key)) familyHits++;
  const family = [...entries.values()].filter((e) => !e.rank && e.key !== child.key && rootOf(e.key) === rootOf(child.key)).map((e) => e.key);
  if (family.includes(child.parent) && family.length > 1) {
    parentCases++;
    parentChance += 1 / family.length;
    if (best(family) === child.parent) parentHits++;
  }
}
console.log(`${entries.size} models in ${folder}: ${roots.length} roots, ${children} LoRA-trained children`);
console.log(`family (best-aligned root is the child's root): ${familyHits}/${children} (chance ${(children / roots.length).toFixed(0)})`);
console.log(`parent (best-aligned full-weight model of the family is the child's parent): ${parentHits}/${parentCases} (chance ${parentChance.toFixed(1)})`);
