/**
 * The training loop. Deterministic: same TrainConfig (and parent bytes) ⇒ same output
 * bytes, because every random draw derives from `config.seed` and ORT runs single-op
 * kernels on one thread.
 *
 *   1. objective, data and initial tensors (parent copy or seeded init; fresh head)
 *   2. (LoRA) adapters: base frozen, A Kaiming-uniform, B zeros
 *   3. group params into flat vectors; build + compile the step graph once
 *   4. loop: batch → step graph (params and moments carried in place, lr fed per step)
 *   5. periodic snapshots (current merged params) and evaluations
 *   6. final params (LoRA merged: W + (α/r)·B·A) in checkpoint order
 */
import { deriveSeed, Rng } from "../rng.ts";
import { type NamedTensor, initParams } from "../models/init-params.ts";
import { loraAdapters, loraParamSpecs, mergeLora } from "../models/lora.ts";
import { vitPatchCount } from "../models/vit-config.ts";
import { compileGraph, learningRate, type TensorData } from "../onnx/index.ts";
import { buildObjective } from "./build-objective.ts";
import type { ResolveData } from "./data-source.ts";
import { cachedGraph } from "./graph-cache.ts";
import { type EvalResult, evaluate } from "./evaluate.ts";
import { nonEmptyGroups, paramGroups, type GroupName, type ParamGroups } from "./param-groups.ts";
import { packParams, unpackParams } from "./param-layout.ts";
import { readCheckpointTensors } from "./read-checkpoint.ts";
import { buildEvalGraph, buildStepGraph, groupInputName } from "./step-graph.ts";
import { CLASSIFIER_HEAD, type TrainConfig } from "./train-config.ts";
import { classifierSizeMismatch, lossNotFinite, parentTensorShape } from "../messages.ts";

/** Effects and in-memory inputs of a run (all optional; tests pass recorders). */
export interface TrainEffects {
  /** After every step: 1-based step, total, the step's loss. */
  readonly onStep?: (step: number, totalSteps: number, loss: number) => void;
  /** Current params (views, valid only during the call; LoRA merged) at step 0, every `snapshotEvery` steps and at the end. */
  readonly onSnapshot?: (step: number, params: readonly NamedTensor[]) => void | Promise<void>;
  readonly onEval?: (result: EvalResult) => void;
  /** Parent tensors already in memory (instead of reading `config.parent`). */
  readonly parentTensors?: readonly NamedTensor[];
  /** ORT threads per op (1 inside pool workers; SPEC §7). */
  readonly intraOpNumThreads?: number;
  /** Softmax/LogSoftmax as CPU-independent primitives (src/onnx/portable-ops.ts); default PORTABLE_SOFTMAX. */
  readonly portableSoftmax?: boolean;
}

/**
 * Whether training encodes Softmax/LogSoftmax as primitives whose onnxruntime kernels give the
 * same bits on every x86-64 CPU with AVX2 and FMA. On: onnxruntime's own Softmax kernels sum in
 * another order on AVX-512 CPUs than on AVX2 ones, so trained bytes depended on the CPU family
 * (docs/reproducibility.md). Turned on with TRAINER_VERSION 3 (src/harness/train-planned.ts).
 */
export const PORTABLE_SOFTMAX = true;

/** What a run produces. */
export interface TrainResult {
  /** Final parameters in checkpoint order (LoRA merged into the base weights). */
  readonly params: NamedTensor[];
  /** Loss of every step. */
  readonly losses: Float32Array;
  readonly evals: EvalResult[];
  /** transformers config.json of the result. */
  readonly hfConfig: Record<string, unknown>;
  /** Wall time of the step loop divided by steps (excludes graph build and eval). */
  readonly msPerStep: number;
}

/**
 * Train one model according to `config`, its examples from `resolveData(config.data, …)` (the
 * harness passes src/harness/dataset-source.ts's datasetSource).
 */
export async function trainModel(config: TrainConfig, resolveData: ResolveData, effects: TrainEffects = {}): Promise<TrainResult> {
  // 1. objective, data, initial tensors
  const objective = buildObjective(config.objective);
  const masking =
    config.objective.kind === "vit-masked-patches"
      ? { patches: vitPatchCount(config.objective.vit), maskedCount: objective.maskedCount!, seed: deriveSeed(config.seed, "mask") }
      : undefined;
  const contextLength = config.objective.kind === "llama-next-token" ? config.objective.llama.contextLength : undefined;
  const data = resolveData(config.data, { batchSize: config.batchSize, ...(masking ? { masking } : {}), ...(contextLength ? { contextLength } : {}) });
  if (config.objective.kind === "vit-classification" && data.numClasses !== config.objective.vit.numClasses) {
    throw classifierSizeMismatch(config.objective.vit.numClasses, data.numClasses);
  }
  const initRng = new Rng(deriveSeed(config.seed, "init"));
  const fresh = initParams(objective.specs, () => initRng.uniform());
  const parent = effects.parentTensors ?? (config.parent ? await readCheckpointTensors(config.parent) : undefined);
  const freshNames = new Set(config.freshParams ?? CLASSIFIER_HEAD);
  const parentByName = new Map((parent ?? []).map((tensor) => [tensor.name, tensor]));
  // Tensors the parent lacks (a classifier on top of a masked-patch root) start fresh and are trained even under LoRA.
  const notInherited = new Set(fresh.filter((tensor) => parent && !parentByName.has(tensor.name)).map((tensor) => tensor.name));
  const tensors = fresh.map((tensor) => {
    if (!parent || freshNames.has(tensor.name)) return tensor;
    const inherited = parentByName.get(tensor.name);
    if (!inherited) return tensor;
    if (inherited.data.length !== tensor.data.length) throw parentTensorShape(config.parent ?? "parent", tensor.name, inherited.shape, tensor.shape);
    return { ...tensor, data: Float32Array.from(inherited.data) };
  });

  // 2. LoRA adapters
  const adapters = config.lora ? loraAdapters(objective.specs, config.lora) : [];
  const loraSpecs = config.lora ? loraParamSpecs(adapters, config.lora) : [];
  const loraRng = new Rng(deriveSeed(config.seed, "lora"));
  const allTensors = [...tensors, ...initParams(loraSpecs, () => loraRng.uniform())];
  const trainedUnderLora = new Set([...loraSpecs.map((spec) => spec.name), ...freshNames, ...notInherited]);
  const groups = paramGroups([...objective.specs, ...loraSpecs], config.lora ? (name) => trainedUnderLora.has(name) : undefined);
  const lora = config.lora ? { adapters, config: config.lora } : undefined;

  // 3. step graph (compiled once per process for this shape of run)
  const threads = { intraOpNumThreads: effects.intraOpNumThreads ?? 1, portable: effects.portableSoftmax ?? PORTABLE_SOFTMAX };
  const graphKey = JSON.stringify([config.objective, config.optimizer, config.lora ?? null, groups, threads.intraOpNumThreads, threads.portable]);
  const stepGraph = await cachedGraph(`step:${config.batchSize}:${graphKey}`, async () => {
    const built = buildStepGraph(objective, config.batchSize, groups, config.optimizer, lora ? { lora } : {});
    return { compiled: await compileGraph(built.graph, threads), carry: built.carry, trainedGroups: built.trainedGroups };
  });
  const compiled = stepGraph.compiled;
  const initial: Record<string, TensorData> = {};
  const frozenFeeds: Record<string, TensorData> = {};
  for (const group of nonEmptyGroups(groups)) {
    const flat = packParams(groups[group], allTensors);
    if (group === "frozen") frozenFeeds[groupInputName(group)] = flat;
    else initial[groupInputName(group)] = flat;
  }
  for (const input of Object.values(stepGraph.carry)) {
    if (input.endsWith(".m") || input.endsWith(".v")) initial[input] = new Float32Array(compiled.inputs.get(input)!.shape.reduce((a, b) => a * b, 1));
  }
  const loop = compiled.carry(stepGraph.carry, initial);
  const currentParamFeeds = (): Record<string, TensorData> => {
    const feeds: Record<string, TensorData> = { ...frozenFeeds };
    for (const group of stepGraph.trainedGroups) feeds[groupInputName(group)] = loop.value(groupInputName(group));
    return feeds;
  };
  const currentParams = (feeds: Record<string, TensorData>): NamedTensor[] =>
    mergedParams(
      objective.specs.map((spec) => spec.name),
      groups,
      feeds,
      lora,
    );

  const evalBatchSize = config.evalBatchSize ?? config.batchSize;
  const evalBatches = data.evalBatches(evalBatchSize);
  const evalCompiled =
    evalBatches.length > 0
      ? (
          await cachedGraph(`eval:${evalBatchSize}:${graphKey}`, async () => ({
            compiled: await compileGraph(buildEvalGraph(objective, evalBatchSize, groups, lora ? { lora } : {}), threads),
          }))
        ).compiled
      : undefined;
  const evals: EvalResult[] = [];
  const runEval = async (step: number): Promise<void> => {
    if (!evalCompiled) return;
    const result = await evaluate(evalCompiled, currentParamFeeds(), evalBatches, evalBatchSize, step);
    evals.push(result);
    effects.onEval?.(result);
  };
  const snapshot = async (step: number): Promise<void> => {
    if (effects.onSnapshot && config.snapshotEvery) await effects.onSnapshot(step, currentParams(currentParamFeeds()));
  };

  // 4–5. loop
  const losses = new Float32Array(config.steps);
  const lossBuffer = new Float32Array(1);
  const lrBuffer = new Float32Array(1);
  const stepBuffer = new Float32Array(1);
  const schedule = { peak: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps, floor: config.lrFloor ?? 0 };
  await snapshot(0);
  let loopMs = 0;
  for (let step = 1; step <= config.steps; step++) {
    const batch = data.nextTrain();
    lrBuffer[0] = learningRate(schedule, step);
    stepBuffer[0] = step;
    const started = performance.now();
    await loop.step({ ...batch, ...frozenFeeds, lr: lrBuffer, step: stepBuffer }, { loss: lossBuffer });
    loopMs += performance.now() - started;
    losses[step - 1] = lossBuffer[0]!;
    if (!Number.isFinite(lossBuffer[0]!)) throw lossNotFinite(step, lossBuffer[0]);
    effects.onStep?.(step, config.steps, lossBuffer[0]!);
    if (config.snapshotEvery && step % config.snapshotEvery === 0 && step !== config.steps) await snapshot(step);
    if (config.evalEvery && step % config.evalEvery === 0 && step !== config.steps) await runEval(step);
  }
  if (config.snapshotEvery) await snapshot(config.steps);
  await runEval(config.steps);

  // 6. final params, copied out of the loop's buffers
  const params = currentParams(currentParamFeeds()).map((tensor) => ({ ...tensor, data: Float32Array.from(tensor.data) }));
  return { params, losses, evals, hfConfig: objective.hfConfig, msPerStep: loopMs / Math.max(1, config.steps) };
}

/** Named tensors of `names` from the group vectors; LoRA-adapted weights merged. */
function mergedParams(
  names: readonly string[],
  groups: ParamGroups,
  feeds: Readonly<Record<string, TensorData>>,
  lora: { adapters: ReturnType<typeof loraAdapters>; config: NonNullable<TrainConfig["lora"]> } | undefined,
): NamedTensor[] {
  const byName = new Map<string, NamedTensor>();
  for (const group of nonEmptyGroups(groups) as GroupName[]) {
    for (const tensor of unpackParams(groups[group], feeds[groupInputName(group)] as Float32Array)) byName.set(tensor.name, tensor);
  }
  const adapterOf = new Map((lora?.adapters ?? []).map((adapter) => [adapter.base, adapter]));
  return names.map((name) => {
    const tensor = byName.get(name)!;
    const adapter = adapterOf.get(name);
    if (!adapter || !lora) return tensor;
    return { ...tensor, data: mergeLora(tensor.data, byName.get(adapter.a)!.data, byName.get(adapter.b)!.data, lora.config.alpha, lora.config.rank) };
  });
}
