/** The ONNX training engine: graph builder, ops, autodiff, encoding, runtime, optimizers. Re-exports only. */
export * from "./graph.ts";
export * from "./broadcast.ts";
export * from "./ops-elementwise.ts";
export * from "./ops-shape.ts";
export * from "./ops-reduce.ts";
export * from "./ops-linear.ts";
export * from "./ops-nn.ts";
export * from "./ops-loss.ts";
export * from "./autodiff.ts";
export * from "./gradient-rules.ts";
export * from "./encode.ts";
export * from "./session.ts";
export * from "./optim.ts";
export * from "./learning-rate.ts";
export * from "./packed-parameters.ts";
