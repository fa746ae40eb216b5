/**
 * The two files `mother evaluate` reads, checked before anything is scored:
 *
 *   1. shape (valibot schemas): truth `{"models":[{"id","tree"?,"stage"?}],"edges":[{"parent","child","type"?}]}`,
 *      result `{"models":[{"id",…}],"edges":[{"parent","child","type"?,…}],"trees"?:[[ids…]]}` (SPEC §5/§8);
 *      fields evaluate does not use are allowed, so results of any mother version and hand-written truths pass
 *   2. each file is a Model Graph (check-graph.ts): ids once, edges between listed models, several parents only
 *      for a merge, no cycles
 *   3. the two files share model ids at all
 *
 * Problems of steps 1–3 are errors (no scores). What is scored despite a mismatch is said in notes: models of the
 * truth the result lacks (counted as not recovered), result models the truth does not know (left out), untyped
 * result edges (counted as finetune, what every edge of an untyped graph was).
 */
import * as v from "valibot";
import { RELATION_TYPES, type RelationType } from "../types.ts";
import { graphProblems } from "./check-graph.ts";
import { DisjointSets } from "../tree/disjoint-sets.ts";
import { evaluateFileMalformed, evaluateGraphInvalid, evaluateNoCommonModels, evaluateTreesPartial } from "../messages.ts";

/** A non-empty model id. */
const ModelId = v.pipe(v.string(), v.minLength(1, "a model id must not be empty"));
const Relation = v.picklist(RELATION_TYPES, `a relation type must be one of ${RELATION_TYPES.join(", ")}`);
const Edge = v.looseObject({ parent: ModelId, child: ModelId, type: v.optional(Relation) });

/** The truth file: a tree name per model (numbers allowed, read as names), typed edges optional. */
const TruthSchema = v.looseObject({
  models: v.array(
    v.looseObject({
      id: ModelId,
      tree: v.optional(v.pipe(v.union([v.string(), v.number()], "a tree name must be a string or a number"), v.transform(String))),
    }),
  ),
  edges: v.array(Edge),
});

/** The result file: what `mother recover` writes; `trees` may be left out (then read off the edges). */
const ResultSchema = v.looseObject({
  models: v.array(v.looseObject({ id: ModelId })),
  edges: v.array(v.looseObject({ ...Edge.entries, coefficients: v.optional(v.record(v.string(), v.number())) })),
  trees: v.optional(v.array(v.array(ModelId))),
});

/** A truth as evaluate scores it: every model in a tree. */
export interface EvaluationTruth {
  readonly models: readonly { id: string; tree: string }[];
  readonly edges: readonly { parent: string; child: string; type?: RelationType }[];
}

/** A result as evaluate scores it: typed edges and its trees. */
export interface EvaluationResult {
  readonly ids: readonly string[];
  readonly edges: readonly { parent: string; child: string; type: RelationType }[];
  readonly trees: readonly (readonly string[])[];
}

/** The checked truth (`value` is the parsed JSON of `file`); throws the first problems as one line. */
export function parseTruth(file: string, value: unknown): EvaluationTruth {
  const parsed = parseShape(file, TruthSchema, value, 'expected {"models":[{"id","tree"}],"edges":[{"parent","child","type"?}]}');
  checkGraph(file, parsed.models, parsed.edges);
  const named = parsed.models.filter((m) => m.tree !== undefined).length;
  if (named > 0 && named < parsed.models.length) throw evaluateTreesPartial(file, parsed.models.find((m) => m.tree === undefined)!.id);
  const treeOf = named > 0 ? new Map(parsed.models.map((m) => [m.id, m.tree!])) : componentNames(parsed.models, parsed.edges);
  return { models: parsed.models.map((m) => ({ id: m.id, tree: treeOf.get(m.id)! })), edges: parsed.edges };
}

/** The checked result (`value` is the parsed JSON of `file`) and its notes (untyped edges). */
export function parseResult(file: string, value: unknown): { result: EvaluationResult; notes: string[] } {
  const parsed = parseShape(file, ResultSchema, value, "expected the JSON that mother recover writes");
  checkGraph(file, parsed.models, parsed.edges);
  const notes: string[] = [];
  const untyped = parsed.edges.filter((e) => e.type === undefined).length;
  if (untyped > 0) notes.push(`${file}: ${untyped} edge(s) without a type (written before typed output) are counted as finetune`);
  const ids = parsed.models.map((m) => m.id);
  const trees = parsed.trees ?? [...groupBy(componentNames(parsed.models, parsed.edges))].map(([, members]) => members);
  return { result: { ids, edges: parsed.edges.map((e) => ({ parent: e.parent, child: e.child, type: e.type ?? "finetune" })), trees }, notes };
}

/**
 * Notes on the models one side has and the other lacks; throws when the two share no model
 * (then every score would be 0 for a reason that has nothing to do with recovery).
 */
export function compareModels(truthFile: string, truth: EvaluationTruth, resultFile: string, result: EvaluationResult): string[] {
  const truthIds = new Set(truth.models.map((m) => m.id));
  const resultIds = new Set(result.ids);
  const missing = [...truthIds].filter((id) => !resultIds.has(id));
  const unknown = [...resultIds].filter((id) => !truthIds.has(id));
  if (truthIds.size > 0 && missing.length === truthIds.size) throw evaluateNoCommonModels(truthFile, resultFile, [...truthIds], [...resultIds]);
  const notes: string[] = [];
  if (missing.length > 0) notes.push(`${resultFile}: lacks ${missing.length} model(s) of the truth, counted as not recovered (${sample(missing)})`);
  if (unknown.length > 0) {
    notes.push(
      `${resultFile}: ${unknown.length} model(s) the truth does not list are left out of the scores, and so are edges into them; an ` +
        `edge from one into a listed model counts as a wrong parent (${sample(unknown)})`,
    );
  }
  return notes;
}

function parseShape<Schema extends v.GenericSchema>(file: string, schema: Schema, value: unknown, expected: string): v.InferOutput<Schema> {
  const parsed = v.safeParse(schema, value, { abortPipeEarly: true });
  if (parsed.success) return parsed.output;
  throw evaluateFileMalformed(file, parsed.issues.map(describeIssue), expected);
}

/** `models[2].tree: a tree name must be a string or a number (received true)`, or `edges[0].child: missing`. */
function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = (issue.path ?? []).map((item) => (typeof item.key === "number" ? `[${item.key}]` : `.${String(item.key)}`)).join("");
  const where = path === "" ? "the file" : path.replace(/^\./, "");
  if (issue.message.startsWith("Invalid key")) return `${where}: missing`;
  const message = issue.message.startsWith("Invalid type") ? `expected ${issue.expected}` : issue.message;
  return `${where}: ${message} (received ${issue.received})`;
}

function checkGraph(file: string, models: readonly { id: string }[], edges: Parameters<typeof graphProblems>[1]): void {
  const problems = graphProblems(
    models.map((m) => m.id),
    edges,
  );
  if (problems.length > 0) throw evaluateGraphInvalid(file, problems);
}

/**
 * Each model's weakly connected component under `edges`, named by the root of its parent side's set:
 * on a forest (checked before), the tree's root model.
 */
function componentNames(models: readonly { id: string }[], edges: readonly { parent: string; child: string }[]): Map<string, string> {
  const indexOf = new Map(models.map((m, i) => [m.id, i]));
  const sets = new DisjointSets(models.length);
  for (const edge of edges) {
    const [child, parent] = [sets.find(indexOf.get(edge.child)!), sets.find(indexOf.get(edge.parent)!)];
    if (child !== parent) sets.link(child, parent);
  }
  return new Map(models.map((m, i) => [m.id, models[sets.find(i)]!.id]));
}

function groupBy(treeOf: ReadonlyMap<string, string>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [id, tree] of treeOf) {
    if (!groups.has(tree)) groups.set(tree, []);
    groups.get(tree)!.push(id);
  }
  return groups;
}

/** Up to five ids, then how many more. */
function sample(ids: readonly string[]): string {
  return ids.length <= 5 ? ids.join(", ") : `${ids.slice(0, 5).join(", ")}, … ${ids.length - 5} more`;
}
