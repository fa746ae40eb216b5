/**
 * The ViT's two objectives for the trainer: supervised classification (pixel_values,
 * labels) and masked-patch reconstruction (pixel_values, bool_masked_pos as 0/1 floats
 * with a fixed masked count per image) — the two pre-training objectives of SPEC §3.
 */
import { attr, cast, crossEntropy, equal, type Graph, mul, reduceSum, type Sym } from "../onnx/index.ts";
import type { Objective } from "./objective.ts";
import { type VitConfig, vitHfConfig, vitParamSpecs, vitPatchCount } from "./vit-config.ts";
import type { ParamLookup } from "./param-spec.ts";
import { type VitGraphOptions, vitClassifierLogits, vitMaskedPatchLoss } from "./vit.ts";

/** Float type the graph computes in (float64 only for gradient checks). */
export type FloatType = "float32" | "float64";

/** Classification: CLS → classifier, mean cross-entropy; eval also sums `correct`. */
export function vitClassification(config: VitConfig, options: VitGraphOptions & { floatType?: FloatType } = {}): Objective {
  const floatType = options.floatType ?? "float32";
  const image = [3, config.imageSize, config.imageSize];
  return {
    name: "vit-classification",
    specs: vitParamSpecs(config, "classifier"),
    hfConfig: vitHfConfig(config, "classifier"),
    batchInputs: (batchSize) => [
      { name: "pixel_values", elemType: floatType, shape: [batchSize, ...image] },
      { name: "labels", elemType: "int64", shape: [batchSize] },
    ],
    loss: (params, batch) => crossEntropy(vitClassifierLogits(params, batch.pixel_values!, config, options), batch.labels!),
    evalMetrics: (params: ParamLookup, batch, graph: Graph) => {
      const logits = vitClassifierLogits(params, batch.pixel_values!, config, options);
      return { loss_sum: lossSum(logits, batch.labels!), correct: correctCount(logits, batch.labels!, graph) };
    },
  };
}

/** Masked-patch reconstruction: `maskRatio` of the patches (rounded) masked per image. */
export function vitMaskedPatches(
  config: VitConfig,
  maskRatio = 0.5,
  options: VitGraphOptions & { floatType?: FloatType } = {},
): Objective & { maskedCount: number } {
  const floatType = options.floatType ?? "float32";
  const patches = vitPatchCount(config);
  const maskedCount = Math.max(1, Math.round(maskRatio * patches));
  return {
    name: "vit-masked-patches",
    maskedCount,
    specs: vitParamSpecs(config, "masked-patches"),
    hfConfig: vitHfConfig(config, "masked-patches"),
    batchInputs: (batchSize) => [
      { name: "pixel_values", elemType: floatType, shape: [batchSize, 3, config.imageSize, config.imageSize] },
      { name: "bool_masked_pos", elemType: floatType, shape: [batchSize, patches] },
    ],
    loss: (params, batch) =>
      vitMaskedPatchLoss(params, batch.pixel_values!, batch.bool_masked_pos!, maskedCount * batch.pixel_values!.shape[0]!, config, options),
  };
}

/** Σ over the batch of the per-example cross-entropy (mean × batch size). */
function lossSum(logits: Sym, labels: Sym): Sym {
  return mul(crossEntropy(logits, labels), logits.shape[0]!);
}

/** Number of examples whose arg-max logit is the label (float scalar). */
export function correctCount(logits: Sym, labels: Sym, graph: Graph): Sym {
  const [predicted] = graph.node("ArgMax", [logits], { axis: attr.int(1), keepdims: attr.int(0) }, [{ shape: [logits.shape[0]!], elemType: "int64" }]);
  return reduceSum(cast(equal(predicted!, labels), logits.elemType));
}
