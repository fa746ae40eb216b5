/**
 * Distance from a random initialisation (Neural Phylogeny, Yu & Wang, ICLR 2025: later models
 * sit farther from any init), an absolute signal that can orient a chain or a pair where the
 * arborescence cannot (both orientations of a chain cost the same).
 *
 * The init is synthetic, never downloaded: for a layer of n weights w and an init w₀ drawn
 * independently of every model with zero mean and variance σ₀² (any of the standard per-kind
 * init distributions), E‖w − w₀‖² / n = (var(w) + mean(w)²) + σ₀². The σ₀² term is the same for
 * every model of an architecture and the cross term ⟨w, w₀⟩ has mean 0 (sampling one w₀ would
 * only add noise of that size), so the expected distance is computed exactly from the layer's
 * moments: each layer's mean square, summed over the score layers, each layer counting by its
 * per-weight drift (not by its size). It grows from parent to child whatever the stage — unless
 * weight decay shrinks the weights faster than the updates spread them.
 */
import type { StatisticRule } from "./statistic-rule.ts";

/** Mean square of the weights (var + mean²) summed over the score layers: the expected per-weight distance from a zero-mean init, up to σ₀². */
export const INIT_DISTANCE: StatisticRule = {
  name: "init-distance",
  summary: "Σ per-weight E‖w − w₀‖² from a synthetic zero-mean init (mean square) over the score layers; grows along any lineage (Neural Phylogeny)",
  layers: "score",
  scoreName: undefined,
  statistic: (layer) => layer.variance + layer.mean * layer.mean,
  trend: 1,
  anyStage: true,
  combine: "sum",
};
