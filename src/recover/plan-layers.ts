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
  let previous: { readonly tensors: readonly TensorInfo[]; readonly signature: string } | undefined;
  for (const model of models) {
    // The selection depends on names and shapes only: a model listing the previous one's (every
    // fine-tune of a tree) has its signature, without building and sorting its strings again.
    const signature =
      previous && sameNamesAndShapes(model.tensors, previous.tensors)
        ? previous.signature
        : selectLayers(model.tensors, kinds)
            .map((t) => `${t.name}:${t.shape.join("x")}`)
            .sort()
            .join("|");
    previous = { tensors: model.tensors, signature };
    const group = groups.get(signature);
    if (group) group.push(model);
    else groups.set(signature, [model]);
  }
  return [...groups.values()];
}

/** Whether two tensor lists hold the same names and shapes in the same order. */
function sameNamesAndShapes(a: readonly TensorInfo[], b: readonly TensorInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let t = 0; t < a.length; t++) {
    const [x, y] = [a[t]!, b[t]!];
    if (x.name !== y.name || x.shape.length !== y.shape.length) return false;
    for (let d = 0; d < x.shape.length; d++) if (x.shape[d] !== y.shape[d]) return false;
  }
  return true;
}

/** Whether two tensor lists hold the same names in the same order. */
function sameNames(a: readonly TensorInfo[], b: readonly TensorInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let t = 0; t < a.length; t++) if (a[t]!.name !== b[t]!.name) return false;
  return true;
}

/** The layer jobs for one architecture group, in the first model's tensor order. */
export function planLayers(group: readonly ModelSource[], options: RecoverOptions): LayerJob[] {
  const first = group[0]!;
  const names = (kinds: readonly LayerKind[]) => new Set(selectLayers(first.tensors, kinds).map((t) => t.name));
  const distance = names(options.distanceKinds);
  const score = names(options.scoreKinds);
  const sketch = options.distance === "ft" ? new Set<string>() : names(options.loraKinds);
  // A model listing the first one's unique names in its order (every fine-tune of a tree) is read by position, without a Map of its own.
  const firstByName = new Map(first.tensors.map((t) => [t.name, t] as [string, TensorInfo]));
  const unique = firstByName.size === first.tensors.length;
  const byName = group.map((model) =>
    unique && sameNames(model.tensors, first.tensors) ? model.tensors : new Map(model.tensors.map((t) => [t.name, t] as [string, TensorInfo])),
  );
  const jobs: LayerJob[] = [];
  for (const [position, tensor] of first.tensors.entries()) {
    const roles = { distance: distance.has(tensor.name), score: score.has(tensor.name), sketch: sketch.has(tensor.name) };
    if (!roles.distance && !roles.score && !roles.sketch) continue;
    jobs.push({
      name: tensor.name,
      kind: classifyLayer(tensor.name, tensor.shape),
      shape: tensor.shape,
      tensors: byName.map((m) => (m instanceof Map ? m.get(tensor.name)! : m[position]!)),
      roles,
      sketchSize: options.sketchSize,
      histogramBins: options.score === "entropy" || options.fullStatistics ? DEFAULT_HISTOGRAM_BINS : 0,
    });
  }
  return jobs;
}
