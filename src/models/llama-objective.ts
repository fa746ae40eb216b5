/** The LM's training objective: next-token cross-entropy on (input_ids, labels) windows. */
import type { Objective } from "./objective.ts";
import { type LlamaConfig, llamaHfConfig, llamaParamSpecs } from "./llama-config.ts";
import { llamaNextTokenLoss } from "./llama.ts";
import { mul } from "../onnx/index.ts";

/** `input_ids` and `labels` are int64 [B, contextLength]; labels[t] = the token after input_ids[t]. */
export function llamaNextToken(config: LlamaConfig, torchDtype: "float32" | "bfloat16" = "float32"): Objective {
  return {
    name: "llama-next-token",
    specs: llamaParamSpecs(config),
    hfConfig: llamaHfConfig(config, torchDtype),
    batchInputs: (batchSize) => [
      { name: "input_ids", elemType: "int64", shape: [batchSize, config.contextLength] },
      { name: "labels", elemType: "int64", shape: [batchSize, config.contextLength] },
    ],
    loss: (params, batch) => llamaNextTokenLoss(params, batch.input_ids!, batch.labels!, config),
    evalMetrics: (params, batch) => ({
      loss_sum: mul(llamaNextTokenLoss(params, batch.input_ids!, batch.labels!, config), batch.input_ids!.shape[0]!),
    }),
  };
}
