/**
 * Per-layer statistics of every weight matrix of a model (paper Eq. 3 and its variants),
 * cached per model in the stats cache so reports and ablations never recompute them.
 */
import type { ModelSource } from "../types.ts";
import { readTensor } from "../io/read-safetensors.ts";
import { classifyLayer } from "../layers/classify-layer.ts";
import { layerStats } from "../stats/layer-stats.ts";
import { StatsCache } from "../stats/stats-cache.ts";
import type { LayerStatsRow } from "../stats/stats-table.ts";

/** Statistics of every 2-D tensor of `model` (rows carry the model's id). */
export async function modelStats(model: ModelSource, cache: StatsCache = new StatsCache()): Promise<LayerStatsRow[]> {
  const key = await cache.keyFor([...new Set(model.tensors.map((t) => t.file))]);
  let rows = await cache.get(key);
  if (!rows) {
    rows = [];
    for (const tensor of model.tensors) {
      if (tensor.shape.length !== 2) continue;
      rows.push({
        model: model.id,
        layer: tensor.name,
        kind: classifyLayer(tensor.name, tensor.shape),
        shape: tensor.shape,
        stats: layerStats(await readTensor(tensor)),
      });
    }
    await cache.put(key, rows);
  }
  return rows.map((row) => ({ ...row, model: model.id }));
}
