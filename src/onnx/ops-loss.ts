/**
 * Losses. Cross-entropy is LogSoftmax + NegativeLogLikelihoodLoss (mean); ONNX's
 * SoftmaxCrossEntropyLoss has no gradient op, so autodiff has its own NLL rule.
 */
import { attr, type Sym } from "./graph.ts";
import { mul, sub } from "./ops-elementwise.ts";
import { logSoftmax } from "./ops-nn.ts";
import { reduceMean } from "./ops-reduce.ts";
import { bug } from "../errors.ts";

/** Mean negative log-likelihood of int64 `labels` [N] under log-probabilities [N, C] (a scalar). */
export function nllLoss(logProbs: Sym, labels: Sym): Sym {
  if (logProbs.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logProbs.shape[0]) {
    bug(`nllLoss: want log-probs [N, C] and labels [N], got [${logProbs.shape}] and [${labels.shape}]`);
  }
  if (labels.elemType !== "int64") bug(`nllLoss: labels must be int64, got ${labels.elemType}`);
  return logProbs.graph.node("NegativeLogLikelihoodLoss", [logProbs, labels], { reduction: attr.string("mean") }, [
    { shape: [], elemType: logProbs.elemType },
  ])[0]!;
}

/** Mean cross-entropy of logits [N, C] against int64 class labels [N] (a scalar). */
export function crossEntropy(logits: Sym, labels: Sym): Sym {
  return nllLoss(logSoftmax(logits, -1), labels);
}

/** Mean squared error over all elements (a scalar). */
export function mse(prediction: Sym, target: Sym): Sym {
  const diff = sub(prediction, target);
  return reduceMean(mul(diff, diff));
}
