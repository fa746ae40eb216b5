/**
 * Which way each statistic moves while a model specialises (is fine-tuned), and the
 * directional score recovery uses: the statistic oriented so that it FALLS from parent to
 * child in specialization (paper §4.2's convention for kurtosis), so K_ij = 1 when
 * k(v_i) < k(v_j) means "i looks like the child of j".
 *
 * Kurtosis falls (paper Eq. 3, Fig. 3). The others are this project's measurements on the
 * VTHR splits (experiments/direction-ablation.ts, experiments/recipe-robustness.ts): variance
 * and histogram entropy RISE during fine-tuning — an update that is not aligned with the
 * weights adds spread — so they are negated; mean and skewness show no consistent trend and
 * keep the paper's sign (they are weak scores either way).
 */
import type { ScoreName } from "../types.ts";

/** −1: the statistic falls during specialization; +1: it rises. */
export const SPECIALIZATION_TREND: Readonly<Record<ScoreName, -1 | 1>> = {
  kurtosis: -1,
  variance: 1,
  entropy: 1,
  mean: -1,
  skewness: -1,
};
