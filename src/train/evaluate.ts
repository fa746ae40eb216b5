/** Held-out evaluation with the forward-only graph: mean loss, and accuracy when the objective counts `correct`. */
import type { CompiledGraph, TensorData } from "../onnx/index.ts";
import { noCompleteEvalBatch } from "../messages.ts";

/** One evaluation: at `step`, over `examples` held-out examples. */
export interface EvalResult {
  readonly step: number;
  readonly loss: number;
  /** Fraction correct (classification objectives only). */
  readonly accuracy?: number;
  readonly examples: number;
}

/** Run the eval graph over `batches` with the given parameter feeds; sums are accumulated in f64. */
export async function evaluate(
  evalGraph: CompiledGraph,
  paramFeeds: Readonly<Record<string, TensorData>>,
  batches: readonly Record<string, TensorData>[],
  batchSize: number,
  step: number,
): Promise<EvalResult> {
  let lossSum = 0;
  let correct = 0;
  const hasCorrect = evalGraph.outputs.has("correct");
  for (const batch of batches) {
    const out = await evalGraph.run({ ...paramFeeds, ...batch });
    lossSum += out.loss_sum ? Number(out.loss_sum[0]) : Number(out.loss![0]) * batchSize;
    if (hasCorrect) correct += Number(out.correct![0]);
  }
  const examples = batches.length * batchSize;
  if (examples === 0) throw noCompleteEvalBatch(batchSize);
  return { step, loss: lossSum / examples, examples, ...(hasCorrect ? { accuracy: correct / examples } : {}) };
}
