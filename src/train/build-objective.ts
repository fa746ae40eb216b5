/** ObjectiveSpec (serialisable) → Objective (graph-building functions). */
import { llamaNextToken } from "../models/llama-objective.ts";
import type { Objective } from "../models/objective.ts";
import { vitClassification, vitMaskedPatches } from "../models/vit-objectives.ts";
import type { ObjectiveSpec } from "./train-config.ts";

/** The objective a spec names; `maskedCount` is set for the masked-patch objective. */
export function buildObjective(spec: ObjectiveSpec): Objective & { maskedCount?: number } {
  switch (spec.kind) {
    case "vit-classification":
      return vitClassification(spec.vit);
    case "vit-masked-patches":
      return vitMaskedPatches(spec.vit, spec.maskRatio);
    case "llama-next-token":
      return llamaNextToken(spec.llama);
  }
}
