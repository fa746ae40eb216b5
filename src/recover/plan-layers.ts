/**
 * Which layers the pass reads, and for what. Models are first split by architecture
 * (different architectures are different trees); within a group every model has the same
 * tensor names and shapes, so one plan serves all of them.
 */
import type { LayerKind, ModelSource, TensorInfo } from "../types.ts";
import { selectLayers } from "../layers/select-layers.ts";
import { classifyLayer } from "../layers/classify-layer.ts";
import type { LayerJob } from "./layer-pass.ts";
import { DEFAULT_HISTOGRAM_BINS } from "../stats/layer-stats.ts";
import type { RecoverOptions } from "./options.ts";

/**
 * Models grouped by the names and shapes of the layers recovery reads, in first-seen order.
 * Only those layers count: fine-tunes with different classifier heads (another label count)
 * or extra buffers still share a backbone and so a tree; a different backbone never does.
 */
export function groupByArchitecture(models: readonly ModelSource[], options: RecoverOptions): ModelSource[][] {
  const kinds = [...new Set([...options.distanceKinds, ...options.scoreKinds, ...options.loraKinds])];
  const groups = new Map<string, ModelSource[]>();
  for (const model of models) {
    const signature = selectLayers(model.tensors, kinds)
      .map((t) => `${t.name}:${t.shape.join("x")}`)
      .sort()
      .join("|");
    const group = groups.get(signature);
    if (group) group.push(model);
    else groups.set(signature, [model]);
  }
  return [...groups.values()];
}

/** The layer jobs for one architecture group, in the first model's tensor order. */
export function planLayers(group: readonly ModelSource[], options: RecoverOptions): LayerJob[] {
  const first = group[0]!;
  const names = (kinds: readonly LayerKind[]) => new Set(selectLayers(first.tensors, kinds).map((t) => t.name));
  const distance = names(options.distanceKinds);
  const score = names(options.scoreKinds);
  const sketch = options.distance === "ft" ? new Set<string>() : names(options.loraKinds);
  const byName = group.map((model) => new Map(model.tensors.map((t) => [t.name, t] as [string, TensorInfo])));
  const jobs: LayerJob[] = [];
  for (const tensor of first.tensors) {
    const roles = { distance: distance.has(tensor.name), score: score.has(tensor.name), sketch: sketch.has(tensor.name) };
    if (!roles.distance && !roles.score && !roles.sketch) continue;
    jobs.push({
      name: tensor.name,
      kind: classifyLayer(tensor.name, tensor.shape),
      shape: tensor.shape,
      tensors: byName.map((m) => m.get(tensor.name)!),
      roles,
      sketchSize: options.sketchSize,
      histogramBins: options.score === "entropy" || options.fullStatistics ? DEFAULT_HISTOGRAM_BINS : 0,
    });
  }
  return jobs;
}
