/**
 * The train-step and eval graphs. Built once per (objective, batch size, trainable set):
 *
 *   1. one flat input per parameter group → Split + Reshape into named tensors
 *   2. (LoRA) adapted weights read as W + (α/r)·B·A
 *   3. the objective's loss on the batch inputs
 *   4. gradients w.r.t. the flat trainable vectors (the autodiff turns Split into Concat)
 *   5. one optimizer update per trainable group (a dozen nodes, not a dozen per tensor)
 *
 * Outputs `new.params.<group>` and `new.params.<group>.m|v` feed the inputs of the next
 * step (CarryLoop), plus the scalar `loss`.
 */
import type { LoraAdapter, LoraConfig } from "../models/lora.ts";
import { loraParamLookup } from "../models/lora-graph.ts";
import type { Objective } from "../models/objective.ts";
import type { ParamLookup } from "../models/param-spec.ts";
import { type ElemType, gradients, Graph, type OptimizerSettings, optimizerStateInputs, optimizerStep, packedParameters, type Sym } from "../onnx/index.ts";
import { type GroupName, nonEmptyGroups, type ParamGroups } from "./param-groups.ts";
import { bug } from "../errors.ts";

/** Graph input name of a group's flat vector. */
export const groupInputName = (group: GroupName): string => `params.${group}`;

/** LoRA wiring for a step graph. */
export interface LoraWiring {
  readonly adapters: readonly LoraAdapter[];
  readonly config: LoraConfig;
}

/** Declares the group inputs and returns a lookup of named tensors (steps 1–2). */
function declareParams(graph: Graph, groups: ParamGroups, floatType: ElemType, lora?: LoraWiring): { flat: Map<GroupName, Sym>; lookup: ParamLookup } {
  const flat = new Map<GroupName, Sym>();
  const named = new Map<string, Sym>();
  for (const group of nonEmptyGroups(groups)) {
    const layout = groups[group];
    const packed = packedParameters(graph, groupInputName(group), layout.entries, floatType);
    flat.set(group, packed.flat);
    layout.entries.forEach((entry, index) => named.set(entry.name, packed.params[index]!));
  }
  const base: ParamLookup = (name) => {
    const sym = named.get(name);
    if (!sym) bug(`step graph: the objective asked for unknown parameter ${name}`);
    return sym;
  };
  return { flat, lookup: lora ? loraParamLookup(base, lora.adapters, lora.config) : base };
}

function declareBatch(graph: Graph, objective: Objective, batchSize: number): Record<string, Sym> {
  const batch: Record<string, Sym> = {};
  for (const spec of objective.batchInputs(batchSize)) batch[spec.name] = graph.input(spec.name, spec.elemType, spec.shape);
  return batch;
}

/** A built train-step graph and how its outputs carry into its inputs. */
export interface StepGraph {
  readonly graph: Graph;
  /** output name → input name, for CompiledGraph.carry */
  readonly carry: Readonly<Record<string, string>>;
  readonly trainedGroups: readonly GroupName[];
}

/** Build the train step (steps 1–5). Scalar inputs `lr` and `step` (1-based) are float. */
export function buildStepGraph(
  objective: Objective,
  batchSize: number,
  groups: ParamGroups,
  optimizer: OptimizerSettings,
  options: { lora?: LoraWiring; floatType?: ElemType } = {},
): StepGraph {
  const floatType = options.floatType ?? "float32";
  const graph = new Graph(`${objective.name}-step`);
  const { flat, lookup } = declareParams(graph, groups, floatType, options.lora);
  const batch = declareBatch(graph, objective, batchSize);
  const lr = graph.input("lr", floatType, []);
  const step = graph.input("step", floatType, []);
  const loss = objective.loss(lookup, batch, graph);
  const trainedGroups = nonEmptyGroups(groups).filter((group) => group !== "frozen");
  const trained = trainedGroups.map((group) => flat.get(group)!);
  const grads = gradients(loss, trained);
  const state = optimizerStateInputs(graph, trained, optimizer);
  const decayMask = trainedGroups.map((group) => group === "decay");
  const result = optimizerStep(graph, trained, grads, state, { ...optimizer, decayMask }, lr, step);
  const carry: Record<string, string> = {};
  trainedGroups.forEach((group, index) => {
    const name = groupInputName(group);
    graph.output(result.newParams[index]!, `new.${name}`);
    carry[`new.${name}`] = name;
    if (state.m.length > 0) {
      graph.output(result.newState.m[index]!, `new.${name}.m`);
      carry[`new.${name}.m`] = `${name}.m`;
    }
    if (state.v.length > 0) {
      graph.output(result.newState.v[index]!, `new.${name}.v`);
      carry[`new.${name}.v`] = `${name}.v`;
    }
  });
  graph.output(loss, "loss");
  return { graph, carry, trainedGroups };
}

/** Forward-only graph: outputs `loss` (batch mean) and the objective's summed eval metrics. */
export function buildEvalGraph(objective: Objective, batchSize: number, groups: ParamGroups, options: { lora?: LoraWiring; floatType?: ElemType } = {}): Graph {
  const floatType = options.floatType ?? "float32";
  const graph = new Graph(`${objective.name}-eval`);
  const { lookup } = declareParams(graph, groups, floatType, options.lora);
  const batch = declareBatch(graph, objective, batchSize);
  const metrics = objective.evalMetrics?.(lookup, batch, graph);
  if (metrics) for (const [name, sym] of Object.entries(metrics)) graph.output(sym, name);
  else graph.output(objective.loss(lookup, batch, graph), "loss");
  return graph;
}

/** Loss and its gradient w.r.t. each trained group (`grad.<group>`): the oracle target of gradient checks. */
export function buildGradientGraph(
  objective: Objective,
  batchSize: number,
  groups: ParamGroups,
  options: { lora?: LoraWiring; floatType?: ElemType } = {},
): Graph {
  const floatType = options.floatType ?? "float32";
  const graph = new Graph(`${objective.name}-gradient`);
  const { flat, lookup } = declareParams(graph, groups, floatType, options.lora);
  const batch = declareBatch(graph, objective, batchSize);
  const loss = objective.loss(lookup, batch, graph);
  const trainedGroups = nonEmptyGroups(groups).filter((group) => group !== "frozen");
  const grads = gradients(
    loss,
    trainedGroups.map((group) => flat.get(group)!),
  );
  graph.output(loss, "loss");
  trainedGroups.forEach((group, index) => graph.output(grads[index]!, `grad.${group}`));
  return graph;
}
