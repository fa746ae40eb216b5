/**
 * The ONNX training engine (re-exports only). A train step is one inference graph:
 *
 *   1. build:    const g = new Graph(); inputs (params, moments, batch, lr, step); ops-*.ts
 *   2. diff:     gradients(loss, params)                  autodiff.ts + gradient-rules.ts
 *   3. update:   optimizerStep(g, params, grads, …)       optim.ts (lr from learning-rate.ts)
 *   4. compile:  await compileGraph(g)                    encode.ts → onnxruntime session
 *   5. loop:     compiled.carry(newParam → param, …).step(batch)   session.ts
 *
 * Shapes are static; packed-parameters.ts keeps all parameters in one flat vector so the
 * optimizer is a handful of nodes (node count sets the step-time floor, SPEC §7).
 */
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
