/**
 * A thin runtime over onnxruntime-node's InferenceSession for graphs built here.
 * Input arrays are wrapped without copying; outputs can be written into caller-owned
 * arrays (pre-allocated fetches, SPEC §7) so a training loop allocates nothing per step.
 * `carry` pairs outputs with inputs (new params → params) and ping-pongs two buffers.
 */
import * as ort from "onnxruntime-node";
import { encodeModel } from "./encode.ts";
import { type ElemType, type Graph, shapeSize } from "./graph.ts";
import { bug } from "../errors.ts";

/** A tensor's data as a typed array in its element type (bool as Uint8Array). */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** Shape and type of one graph input or output. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly elemType: ElemType;
}

/** Options for `compileGraph`. */
export interface CompileOptions {
  /** Threads inside one op (1 when running several sessions in Workers; SPEC §7). Default 1. */
  readonly intraOpNumThreads?: number;
  /** Default-domain opset to encode with (see encode.ts). */
  readonly opset?: number;
  /** Softmax/LogSoftmax as CPU-independent primitives (see encode.ts). Default false: onnxruntime's own kernels. */
  readonly portable?: boolean;
  /** Extra onnxruntime session options (e.g. `enableProfiling` for benchmarks); override the defaults above. */
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
}

/** Allocate a zero-filled array for a tensor of this type and shape. */
export function allocateTensor(elemType: ElemType, shape: readonly number[]): TensorData {
  const size = shapeSize(shape);
  switch (elemType) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int64":
      return new BigInt64Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
  }
}

/** A loaded graph, ready to run. */
export class CompiledGraph {
  readonly inputs: ReadonlyMap<string, TensorSpec>;
  readonly outputs: ReadonlyMap<string, TensorSpec>;

  constructor(
    readonly session: ort.InferenceSession,
    inputs: readonly TensorSpec[],
    outputs: readonly TensorSpec[],
  ) {
    this.inputs = new Map(inputs.map((s) => [s.name, s]));
    this.outputs = new Map(outputs.map((s) => [s.name, s]));
  }

  /**
   * Run once. Every graph input must be fed (length checked). Outputs named in `into`
   * are written into those arrays (no copy); the rest come back as fresh arrays.
   * The returned record holds every output, `into` arrays included.
   */
  async run(feeds: Readonly<Record<string, TensorData>>, into: Readonly<Record<string, TensorData>> = {}): Promise<Record<string, TensorData>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const spec of this.inputs.values()) {
      const data = feeds[spec.name];
      if (data === undefined) bug(`run: input "${spec.name}" not fed`);
      ortFeeds[spec.name] = wrap(spec, data);
    }
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const spec of this.outputs.values()) {
      const target = into[spec.name];
      fetches[spec.name] = target === undefined ? null : wrap(spec, target);
    }
    const results = await this.session.run(ortFeeds, fetches);
    const out: Record<string, TensorData> = {};
    for (const spec of this.outputs.values()) {
      out[spec.name] = into[spec.name] ?? (results[spec.name]!.data as TensorData);
    }
    return out;
  }

  /**
   * Start a loop where each output in `pairs` (output name → input name) feeds that input
   * on the next step — params and optimizer moments. Two buffers per pair alternate, so
   * steps allocate nothing; `initial` gives the first values (copied).
   */
  carry(pairs: Readonly<Record<string, string>>, initial: Readonly<Record<string, TensorData>>): CarryLoop {
    return new CarryLoop(this, pairs, initial);
  }

  /** Free the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A running loop of a CompiledGraph whose outputs feed back into its inputs (see `CompiledGraph.carry`). */
export class CarryLoop {
  private readonly current = new Map<string, TensorData>();
  private readonly spare = new Map<string, TensorData>();

  constructor(
    readonly compiled: CompiledGraph,
    /** output name → input name it feeds */
    readonly pairs: Readonly<Record<string, string>>,
    initial: Readonly<Record<string, TensorData>>,
  ) {
    for (const [outputName, inputName] of Object.entries(pairs)) {
      const inSpec = compiled.inputs.get(inputName);
      const outSpec = compiled.outputs.get(outputName);
      if (!inSpec || !outSpec) bug(`carry: unknown pair ${outputName} → ${inputName}`);
      if (inSpec.elemType !== outSpec.elemType || shapeSize(inSpec.shape) !== shapeSize(outSpec.shape)) {
        bug(`carry: ${outputName} (${outSpec.elemType}[${outSpec.shape}]) cannot feed ${inputName} (${inSpec.elemType}[${inSpec.shape}])`);
      }
      const first = initial[inputName];
      if (first === undefined) bug(`carry: no initial value for ${inputName}`);
      const buffer = allocateTensor(inSpec.elemType, inSpec.shape);
      if (first.length !== buffer.length) bug(`carry: initial ${inputName} has ${first.length} elements, expected ${buffer.length}`);
      buffer.set(first as never);
      this.current.set(inputName, buffer);
      this.spare.set(inputName, allocateTensor(inSpec.elemType, inSpec.shape));
    }
  }

  /** The current value of a carried input (valid until the next step; copy to keep). */
  value(inputName: string): TensorData {
    const v = this.current.get(inputName);
    if (!v) bug(`carry: ${inputName} is not carried`);
    return v;
  }

  /** Run one step with the remaining inputs; returns the non-carried outputs (and carried ones, in their new buffers). */
  async step(feeds: Readonly<Record<string, TensorData>>, into: Readonly<Record<string, TensorData>> = {}): Promise<Record<string, TensorData>> {
    const allFeeds: Record<string, TensorData> = { ...feeds };
    const allInto: Record<string, TensorData> = { ...into };
    for (const [outputName, inputName] of Object.entries(this.pairs)) {
      allFeeds[inputName] = this.current.get(inputName)!;
      allInto[outputName] = this.spare.get(inputName)!;
    }
    const out = await this.compiled.run(allFeeds, allInto);
    for (const inputName of Object.values(this.pairs)) {
      const used = this.current.get(inputName)!;
      this.current.set(inputName, this.spare.get(inputName)!);
      this.spare.set(inputName, used);
    }
    return out;
  }
}

function wrap(spec: TensorSpec, data: TensorData): ort.Tensor {
  const size = shapeSize(spec.shape);
  if (data.length !== size) bug(`tensor "${spec.name}": ${data.length} elements, shape [${spec.shape.join(", ")}] needs ${size}`);
  return new ort.Tensor(spec.elemType, data as never, [...spec.shape]);
}

/**
 * Encode a graph and load it into onnxruntime (CPU, sequential execution). float32 graphs
 * get full optimisation ("all": constant folding plus fusions into com.microsoft ops);
 * graphs with any float64 value get "basic", because several of those fused ops
 * (QuickGelu, Gelu, FusedMatMul…) have float32-only kernels — and float64 graphs are
 * for exact checks, not speed.
 */
export async function compileGraph(
  graph: Graph,
  { intraOpNumThreads = 1, opset, portable = false, sessionOptions = {} }: CompileOptions = {},
): Promise<CompiledGraph> {
  const bytes = encodeModel(graph, { ...(opset === undefined ? {} : { opset }), portable });
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: usesFloat64(graph) ? "basic" : "all",
    ...sessionOptions,
  });
  const inputs = graph.inputs.map((s) => ({ name: s.name, shape: s.shape, elemType: s.elemType }));
  const outputs = graph.outputs.map(({ sym, name }) => ({ name, shape: sym.shape, elemType: sym.elemType }));
  return new CompiledGraph(session, inputs, outputs);
}

function usesFloat64(graph: Graph): boolean {
  return graph.inputs.some((s) => s.elemType === "float64") || graph.nodes.some((n) => n.outputs.some((s) => s.elemType === "float64"));
}
