/**
 * Recovery of a whole split under several option settings (paper §6.1 ablations: ℓ_FT
 * instead of ℓ_LoRA, the λ constant c): recoverSplit per setting, i.e. every true tree with
 * its cluster known and the whole Model Graph clustered with the tree count known.
 */
import type { ModelSource, TruthGraph } from "../../types.ts";
import type { RecoverOptions } from "../../recover/options.ts";
import { recoverSplit, type SplitRecovery } from "../vthr/recover-vthr.ts";
import { meanAndStd, type MeanAndStd } from "./mean-and-std.ts";

/** One named option setting. */
export interface OptionVariant {
  readonly label: string;
  readonly overrides: Partial<RecoverOptions>;
}

export interface VariantResult {
  readonly variant: OptionVariant;
  readonly recovery: SplitRecovery;
  /** Per-tree accuracy (cluster known) by root, in truth order. */
  readonly perTree: ReadonlyMap<string, number>;
  /** Mean ± std of the per-tree accuracies. */
  readonly perTreeSummary: MeanAndStd;
  /** Model Graph edge accuracy (trees known) and its clustering accuracy. */
  readonly graph: number;
  readonly clustering: number;
}

/** Runs recoverSplit once per variant; `onVariant` is called after each. */
export async function optionSweep(
  models: readonly ModelSource[],
  truth: TruthGraph,
  variants: readonly OptionVariant[],
  onVariant: () => void = () => {},
): Promise<VariantResult[]> {
  const out: VariantResult[] = [];
  for (const variant of variants) {
    const recovery = await recoverSplit(models, truth, variant.overrides);
    const perTree = new Map([...recovery.perTree].map(([root, r]) => [root, r.scores.edges.accuracy]));
    out.push({
      variant,
      recovery,
      perTree,
      perTreeSummary: meanAndStd([...perTree.values()]),
      graph: recovery.graph.scores.edges.accuracy,
      clustering: recovery.graph.scores.clustering,
    });
    onVariant();
  }
  return out;
}
