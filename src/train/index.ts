/** The trainer: configs, step/eval graphs, the loop, checkpoints and the worker pool. Re-exports only. */
export * from "./train-config.ts";
export * from "./default-recipes.ts";
export * from "./data-source.ts";
export * from "./param-layout.ts";
export * from "./param-groups.ts";
export * from "./step-graph.ts";
export * from "./graph-cache.ts";
export * from "./evaluate.ts";
export * from "./train-model.ts";
export * from "./save-checkpoint.ts";
export * from "./read-checkpoint.ts";
export * from "./worker-pool.ts";
