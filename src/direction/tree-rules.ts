/**
 * The rule that oriented each model's tree, read back from a recovery result (ModelGraph.directions),
 * so experiments and reports use recovery's decision instead of re-deriving it.
 */
import type { ModelGraph } from "../types.ts";
import { bug } from "../errors.ts";
import { findDirectionRule, findPairRule } from "./registry.ts";
import type { StatisticRule } from "./statistic-rule.ts";

/**
 * Model id → the statistic rule its tree was oriented by. Models of trees without a recorded direction, or oriented by a
 * pair rule (`--pair-direction`: evidence per edge, no per-model statistic to read a trend off), are absent.
 */
export function rulesByModel(graph: Pick<ModelGraph, "trees" | "directions">): Map<string, StatisticRule> {
  const byRoot = new Map((graph.directions ?? []).map((direction) => [direction.root, direction.rule]));
  const rules = new Map<string, StatisticRule>();
  for (const members of graph.trees) {
    const name = members.map((id) => byRoot.get(id)).find((found) => found !== undefined);
    if (name === undefined || findPairRule(name)) continue;
    const rule = findDirectionRule(name) ?? bug(`direction rule ${name} is in the registry`);
    for (const id of members) rules.set(id, rule);
  }
  return rules;
}
