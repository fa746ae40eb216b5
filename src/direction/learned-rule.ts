/**
 * A learned direction rule (issue #13 item 2): a linear score w · z(model) over per-layer-kind
 * features, fitted by logistic regression on true edges (fit-logistic.ts) and always evaluated
 * on families it was not fitted on (the leaderboard's leave-one-family-out), so it cannot just
 * memorise our trainer. Each feature is a statistic averaged over the score layers of one kind
 * group (attention, MLP), z-scored across the tree's models — so the score is free of each
 * architecture's scale, and w · (z(child) − z(parent)) > 0 is the fitted "child is later".
 * Its trend is fitted on every stage's edges, so it claims to hold at any stage.
 */
import type { LayerKind } from "../types.ts";
import type { RuleLayerStats, ScoredLayers, StatisticRule } from "./statistic-rule.ts";

/** Kind groups the features average over. */
const KIND_GROUPS: readonly { readonly name: string; readonly kinds: readonly LayerKind[] }[] = [
  { name: "attention", kinds: ["query", "key", "value", "qkv", "attention-output"] },
  { name: "mlp", kinds: ["mlp-in", "mlp-gate", "mlp-out"] },
];

/** Per-layer statistics the features read (NaN where not computed: entropy and spectra outside the leaderboard). */
const FEATURE_STATISTICS: readonly { readonly name: string; readonly of: (layer: RuleLayerStats) => number }[] = [
  { name: "kurtosis", of: (layer) => layer.kurtosis },
  { name: "log mean square", of: (layer) => Math.log(layer.variance + layer.mean * layer.mean) },
  { name: "entropy", of: (layer) => layer.entropy },
  { name: "log stable rank", of: (layer) => Math.log(layer.stableRank ?? Number.NaN) },
  { name: "esd alpha", of: (layer) => layer.alpha ?? Number.NaN },
];

/** Feature names, in weight order: `<statistic> (<kind group>)`. */
export const LEARNED_FEATURES: readonly string[] = KIND_GROUPS.flatMap((group) => FEATURE_STATISTICS.map((statistic) => `${statistic.name} (${group.name})`));

/** A rule scoring models by `weights` · z(features), rising from parent to child at any stage. */
export function learnedRule(name: string, weights: readonly number[], summary: string): StatisticRule {
  return {
    name,
    summary,
    layers: "score",
    scoreName: undefined,
    statistic: () => Number.NaN,
    trend: 1,
    anyStage: true,
    combine: { kind: "learned", weights },
    needs: "spectrum",
  };
}

/**
 * The z-scored features of `models` (columns of the pass), models × LEARNED_FEATURES row-major:
 * each feature's mean over the score layers of its kind group, minus its mean over `models`,
 * over its standard deviation there (0 where constant or not computed).
 */
export function learnedFeatures(group: ScoredLayers, models: readonly number[]): Float64Array {
  const width = LEARNED_FEATURES.length;
  const raw = new Float64Array(models.length * width);
  KIND_GROUPS.forEach((kindGroup, g) => {
    const layers = group.plan.flatMap((job, l) => (job.roles.score && kindGroup.kinds.includes(job.kind) ? [l] : []));
    FEATURE_STATISTICS.forEach((statistic, s) => {
      const f = g * FEATURE_STATISTICS.length + s;
      models.forEach((model, m) => {
        let sum = 0;
        for (const l of layers) sum += statistic.of(group.pass[l]!.stats[model]!);
        raw[m * width + f] = layers.length > 0 ? sum / layers.length : Number.NaN;
      });
    });
  });
  for (let f = 0; f < width; f++) {
    let mean = 0;
    for (let m = 0; m < models.length; m++) mean += raw[m * width + f]!;
    mean /= models.length;
    let variance = 0;
    for (let m = 0; m < models.length; m++) variance += (raw[m * width + f]! - mean) ** 2;
    const deviation = Math.sqrt(variance / models.length);
    for (let m = 0; m < models.length; m++) {
      const z = (raw[m * width + f]! - mean) / deviation;
      raw[m * width + f] = Number.isFinite(z) ? z : 0;
    }
  }
  return raw;
}
