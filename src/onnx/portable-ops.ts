/**
 * Lowers the ops whose onnxruntime CPU kernels depend on the instruction set into primitives
 * whose kernels do not, so that a train step computes the same bits on every x86-64 CPU with
 * AVX2 and FMA, with or without AVX-512 (docs/reproducibility.md has the measurements).
 *
 * onnxruntime's MLAS picks Softmax's and LogSoftmax's max and exp-sum kernels by CPUID at
 * start-up (onnxruntime/core/mlas/lib/platform.cpp: 16-lane AVX-512F kernels where the CPU has
 * them, 8-lane FMA3 ones elsewhere, so another summation order and other last bits), with no
 * option to pin the choice. ReduceMax, Sub, Exp, ReduceSum, Div and Log were measured to give
 * the same bits on both. The Graph keeps its Softmax/LogSoftmax nodes — autodiff's rules read
 * their outputs — and only the encoded model holds the primitives. Opt-in (`portable` in
 * encode.ts): training turns it on with the next trainer version (src/train/train-model.ts).
 */
import { onnx } from "onnx-proto";
import { bug } from "../errors.ts";

/** Node protos and the initializers their lowering needs. */
export interface LoweredNodes {
  readonly nodes: onnx.INodeProto[];
  readonly initializers: onnx.ITensorProto[];
}

/** Ops replaced by `lowerPortable`. */
export const LOWERED_OPS: readonly string[] = ["Softmax", "LogSoftmax"];

/**
 * Replaces each default-domain Softmax/LogSoftmax in `nodes` by max-shifted primitives along
 * the same axis: softmax = e / Σe and log-softmax = s − log Σe, with s = x − max x, e = exp s.
 * `taken` holds every value name in the model (new names must not collide); `opset` decides
 * whether ReduceMax takes its axes as an input (18+) or an attribute.
 */
export function lowerPortable(nodes: readonly onnx.INodeProto[], taken: ReadonlySet<string>, opset: number): LoweredNodes {
  const out: onnx.INodeProto[] = [];
  const initializers = new Map<number, onnx.ITensorProto>();
  const fresh = (base: string, what: string): string => {
    const name = `${base}/portable_${what}`;
    if (taken.has(name)) bug(`portable-ops: value name ${name} is already used`);
    return name;
  };
  const axesInput = (axis: number): string => {
    const name = `portable_axes_${axis}`;
    if (!initializers.has(axis)) {
      if (taken.has(name)) bug(`portable-ops: value name ${name} is already used`);
      const raw = new Uint8Array(new BigInt64Array([BigInt(axis)]).buffer);
      initializers.set(axis, { name, dataType: onnx.TensorProto.DataType.INT64, dims: [1], rawData: raw });
    }
    return name;
  };
  for (const node of nodes) {
    if ((node.domain ?? "") !== "" || !LOWERED_OPS.includes(node.opType ?? "")) {
      out.push(node);
      continue;
    }
    const [x] = node.input ?? [];
    const [y] = node.output ?? [];
    const axis = Number(node.attribute?.find((a) => a.name === "axis")?.i ?? -1);
    if (x === undefined || y === undefined || axis < 0) bug(`portable-ops: ${node.opType} needs one input, one output and a non-negative axis`);
    const axes = axesInput(axis);
    const keep: onnx.IAttributeProto = { name: "keepdims", type: onnx.AttributeProto.AttributeType.INT, i: 1 };
    const max = fresh(y, "max");
    const shifted = fresh(y, "shifted");
    const exps = fresh(y, "exp");
    const total = fresh(y, "sum");
    out.push(
      opset >= 18
        ? { opType: "ReduceMax", input: [x, axes], output: [max], attribute: [keep] }
        : { opType: "ReduceMax", input: [x], output: [max], attribute: [keep, { name: "axes", type: onnx.AttributeProto.AttributeType.INTS, ints: [axis] }] },
      { opType: "Sub", input: [x, max], output: [shifted] },
      { opType: "Exp", input: [shifted], output: [exps] },
      { opType: "ReduceSum", input: [exps, axes], output: [total], attribute: [keep] },
    );
    if (node.opType === "Softmax") {
      out.push({ opType: "Div", input: [exps, total], output: [y] });
    } else {
      const logTotal = fresh(y, "log_sum");
      out.push({ opType: "Log", input: [total], output: [logTotal] }, { opType: "Sub", input: [shifted, logTotal], output: [y] });
    }
  }
  return { nodes: out, initializers: [...initializers.values()] };
}
