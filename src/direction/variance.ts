/**
 * Variance-growth rules: an update that is not aligned with the weights adds spread, so the
 * variance rises while a model is fine-tuned — unless weight decay wins (the Llama-like family,
 * docs/defaults.md). Over the score layers for full fine-tunes; over the LoRA layers for merged
 * LoRA children (a low-rank update no weight decay touches: VTHR LoRA-F 1.00, LoRA-V 0.98).
 */
import { scoreStatisticRule, type StatisticRule } from "./statistic-rule.ts";

/** Variance summed over the score layers. */
export const VARIANCE: StatisticRule = scoreStatisticRule(
  "variance",
  "Σ variance over the score layers; rises in fine-tuning (SGD recipes, HF-init PyTorch trees)",
);

/** Variance summed over the LoRA layers (`loraKinds`: query and value). */
export const VARIANCE_LORA: StatisticRule = {
  ...VARIANCE,
  name: "variance-lora",
  summary: "Σ variance over the LoRA layers (query, value); rises under a merged low-rank update",
  layers: "lora",
};
