/** Model families for the training engine: ViT and Llama-like LM graphs with HF names, LoRA. Re-exports only. */
export * from "./param-spec.ts";
export * from "./init-params.ts";
export * from "./objective.ts";
export * from "./vit-config.ts";
export * from "./vit.ts";
export * from "./vit-objectives.ts";
export * from "./composed-layer-norm.ts";
export * from "./llama-config.ts";
export * from "./llama.ts";
export * from "./llama-objective.ts";
export * from "./lora.ts";
export * from "./lora-graph.ts";
