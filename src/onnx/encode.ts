/**
 * Graph → ONNX ModelProto bytes, with the `onnx-proto` package. Constants become
 * initializers stored as raw little-endian bytes; outputs whose name differs from the
 * value they expose get an Identity node (ONNX names outputs by value name).
 */
import { onnx } from "onnx-proto";
import { type Attribute, type ElemType, type Graph, ONNX_DATA_TYPE, type Sym } from "./graph.ts";
import { lowerPortable } from "./portable-ops.ts";

/** Opset used unless told otherwise: 18 (ReduceMean/ReduceSum take axes as inputs; LayerNormalization exists). */
export const DEFAULT_OPSET = 18;

/** IR version 8 is what onnx 1.13 pairs with opsets 17–18 and what onnx-proto (onnx 1.10 schema) can express; ORT 1.30 loads it. */
const IR_VERSION = 8;

/** Options for `encodeModel`. */
export interface EncodeOptions {
  /** Default-domain opset version (17 or higher; LayerNormalization needs 17). */
  readonly opset?: number;
  /**
   * Lower Softmax/LogSoftmax to primitives whose kernels do not depend on the CPU (portable-ops.ts),
   * so a train step writes the same bytes with or without AVX-512. Default false: onnxruntime's
   * own kernels, which the trained models in the cache were made with (src/train/train-model.ts,
   * PORTABLE_SOFTMAX).
   */
  readonly portable?: boolean;
}

/** Serialise a graph to ModelProto bytes that onnxruntime can load with `InferenceSession.create(bytes)`. */
export function encodeModel(graph: Graph, { opset = DEFAULT_OPSET, portable = false }: EncodeOptions = {}): Uint8Array {
  // A node-computed value exposed once as an output is simply renamed to the output's
  // name (an Identity would cost a node per step); inputs, constants and values
  // exposed twice keep their name and get an Identity per extra name.
  const renamed = new Map<Sym, string>();
  const identities: { sym: Sym; to: string }[] = [];
  for (const { sym, name } of graph.outputs) {
    if (name === sym.name) continue;
    if (sym.producer && !renamed.has(sym) && !graph.outputs.some((o) => o.sym === sym && o.name === sym.name)) renamed.set(sym, name);
    else identities.push({ sym, to: name });
  }
  const nameOf = (s: Sym): string => renamed.get(s) ?? s.name;
  const nodes: onnx.INodeProto[] = graph.nodes.map((node) => ({
    opType: node.opType,
    domain: node.domain,
    input: node.inputs.map(nameOf),
    output: node.outputs.map(nameOf),
    attribute: Object.entries(node.attributes).map(([name, value]) => encodeAttribute(name, value)),
  }));
  for (const { sym, to } of identities) nodes.push({ opType: "Identity", input: [nameOf(sym)], output: [to] });
  // If asked, Softmax and LogSoftmax become primitives whose kernels do not depend on the CPU (portable-ops.ts).
  const taken = new Set([...graph.inputs.map((s) => s.name), ...graph.initializers.map((i) => i.sym.name), ...nodes.flatMap((n) => n.output ?? [])]);
  const lowered = portable ? lowerPortable(nodes, taken, opset) : { nodes, initializers: [] };
  const domains = new Set(graph.nodes.map((n) => n.domain).filter((d) => d !== ""));
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: "mother",
    opsetImport: [{ domain: "", version: opset }, ...[...domains].map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: graph.name,
      node: lowered.nodes,
      input: graph.inputs.map((s) => valueInfo(s.name, s)),
      output: graph.outputs.map(({ sym, name }) => valueInfo(name, sym)),
      initializer: [
        ...graph.initializers.map(({ sym, data }) => ({
          name: sym.name,
          dataType: ONNX_DATA_TYPE[sym.elemType],
          dims: [...sym.shape],
          rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        })),
        ...lowered.initializers,
      ],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

function valueInfo(name: string, sym: Sym): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DATA_TYPE[sym.elemType as ElemType],
        shape: { dim: sym.shape.map((dimValue) => ({ dimValue })) },
      },
    },
  };
}

function encodeAttribute(name: string, attribute: Attribute): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (attribute.type) {
    case "int":
      return { name, type: T.INT, i: attribute.value };
    case "ints":
      return { name, type: T.INTS, ints: [...attribute.value] };
    case "float":
      return { name, type: T.FLOAT, f: attribute.value };
    case "floats":
      return { name, type: T.FLOATS, floats: [...attribute.value] };
    case "string":
      return { name, type: T.STRING, s: new TextEncoder().encode(attribute.value) };
  }
}
