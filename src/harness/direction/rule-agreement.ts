/**
 * How often each registry rule (src/direction/registry.ts) orders a true edge the way it
 * expects — from per-layer statistics alone, no tree built: the statistic moves along the rule's
 * trend from parent to child, reversed under generalization unless the rule holds at any stage
 * (distance from a synthetic init). The cheapest comparison of direction rules (issue #13).
 */
import type { LayerKind, TruthGraph } from "../../types.ts";
import { DEFAULT_RECOVER_OPTIONS, type RecoverOptions } from "../../recover/options.ts";
import type { StatisticRule } from "../../direction/statistic-rule.ts";
import type { LayerStatsRow } from "../../stats/stats-table.ts";

/** Agreeing true edges out of those whose models both have the rule's layers (NaN statistics, e.g. entropy not computed, count as missing). */
export interface RuleAgreement {
  readonly rule: string;
  readonly agree: number;
  readonly total: number;
}

/** The layer kinds `rule` reads under `options` (its "score" and "lora" sets resolved). */
export function ruleKinds(rule: StatisticRule, options: Pick<RecoverOptions, "scoreKinds" | "loraKinds"> = DEFAULT_RECOVER_OPTIONS): readonly LayerKind[] {
  if (rule.layers === "score") return options.scoreKinds;
  if (rule.layers === "lora") return options.loraKinds;
  return rule.layers.scoreKinds.filter((kind) => options.scoreKinds.includes(kind));
}

/** Each model's score under `rule`: the statistic summed over the rows of the rule's kinds. */
export function ruleScoresOf(
  rule: StatisticRule,
  rows: readonly LayerStatsRow[],
  options?: Pick<RecoverOptions, "scoreKinds" | "loraKinds">,
): Map<string, number> {
  const kinds = ruleKinds(rule, options);
  const scores = new Map<string, number>();
  for (const row of rows) if (kinds.includes(row.kind)) scores.set(row.model, (scores.get(row.model) ?? 0) + rule.statistic(row.stats));
  return scores;
}

/** `rule`'s agreement on the true edges of `truth`. Ties count as wrong. */
export function ruleAgreement(
  rule: StatisticRule,
  rows: readonly LayerStatsRow[],
  truth: TruthGraph,
  options?: Pick<RecoverOptions, "scoreKinds" | "loraKinds">,
): RuleAgreement {
  const stageOf = new Map(truth.models.map((m) => [m.id, m.stage]));
  const moves = rule.combine === "vote" ? layerVotes(rule, rows, options) : summedMove(ruleScoresOf(rule, rows, options));
  let agree = 0;
  let total = 0;
  for (const { parent, child } of truth.edges) {
    const move = moves(parent, child);
    if (move === undefined || Number.isNaN(move)) continue;
    total++;
    const reversed = !rule.anyStage && stageOf.get(child) === "generalization";
    if ((reversed ? -rule.trend : rule.trend) * move > 0) agree++;
  }
  return { rule: rule.name, agree, total };
}

/** child − parent of the summed score. */
function summedMove(scores: ReadonlyMap<string, number>): (parent: string, child: string) => number | undefined {
  return (parent, child) => {
    const p = scores.get(parent);
    const c = scores.get(child);
    return p === undefined || c === undefined ? undefined : c - p;
  };
}

/** The per-layer majority: (layers where the statistic rose) − (layers where it fell), parent → child, over the layers both models have. */
function layerVotes(
  rule: StatisticRule,
  rows: readonly LayerStatsRow[],
  options?: Pick<RecoverOptions, "scoreKinds" | "loraKinds">,
): (parent: string, child: string) => number | undefined {
  const kinds = ruleKinds(rule, options);
  const byModel = new Map<string, Map<string, number>>();
  for (const row of rows) {
    if (!kinds.includes(row.kind)) continue;
    const layers = byModel.get(row.model) ?? new Map<string, number>();
    layers.set(row.layer, rule.statistic(row.stats));
    byModel.set(row.model, layers);
  }
  return (parent, child) => {
    const p = byModel.get(parent);
    const c = byModel.get(child);
    if (!p || !c) return undefined;
    let votes = 0;
    for (const [layer, value] of p) votes += Math.sign((c.get(layer) ?? value) - value);
    return votes;
  };
}
