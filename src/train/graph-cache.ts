/**
 * Compiled step/eval graphs kept per process (so per pool worker) and reused by every run
 * with the same (objective, batch size, trainable set, optimizer): a fine-tune then pays
 * graph building and ORT session creation (~0.1–0.3 s) once, not per job. A small LRU
 * bounds native memory; evicted sessions are released.
 */
import type { CompiledGraph } from "../onnx/index.ts";

/** How many compiled graphs a process keeps (LoRA-V's ranks × step/eval fit easily). */
export const GRAPH_CACHE_CAPACITY = 12;

/** A cached entry: the compiled graph plus whatever the caller derived when building it. */
export interface Cacheable {
  readonly compiled: CompiledGraph;
}

const cache = new Map<string, Promise<Cacheable>>();

/** The entry for `key`, built with `make` on first use (concurrent callers share one promise). */
export function cachedGraph<T extends Cacheable>(key: string, make: () => Promise<T>): Promise<T> {
  const hit = cache.get(key) as Promise<T> | undefined;
  if (hit) {
    cache.delete(key); // re-insert: most recently used last
    cache.set(key, hit);
    return hit;
  }
  const made = make();
  cache.set(key, made);
  made.catch(() => cache.delete(key));
  while (cache.size > GRAPH_CACHE_CAPACITY) {
    const [oldestKey, oldest] = cache.entries().next().value as [string, Promise<Cacheable>];
    cache.delete(oldestKey);
    void oldest.then((entry) => entry.compiled.release()).catch(() => {});
  }
  return made;
}

/** Release every cached session (end of an experiment, or tests). */
export async function releaseCachedGraphs(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(all.map((pending) => pending.then((entry) => entry.compiled.release()).catch(() => {})));
}
