/**
 * The graph builder: symbolic tensors (`Sym`) with static shapes, appended to a `Graph`
 * in topological order. Every op in src/onnx/ops-*.ts is a thin call to `Graph.node`;
 * autodiff (src/onnx/autodiff.ts) walks the same node list backwards; encode.ts turns it
 * into an ONNX ModelProto. Shapes are always fully static (batch size fixed per graph),
 * which keeps broadcasting gradients a ReduceSum + Reshape.
 */
import { bug } from "../errors.ts";

/** Element types the engine builds graphs with (ONNX TensorProto.DataType subset). */
export type ElemType = "float32" | "float64" | "int64" | "int32" | "bool";

/** ONNX TensorProto.DataType codes for each ElemType. */
export const ONNX_DATA_TYPE: Readonly<Record<ElemType, number>> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

/** Is this a floating type (one that can carry a gradient)? */
export function isFloat(elemType: ElemType): boolean {
  return elemType === "float32" || elemType === "float64";
}

/**
 * A node attribute, typed explicitly because ONNX distinguishes int from float
 * (1 and 1.0 are different attributes). Build with `attr.int(…)`, `attr.float(…)`, …
 */
export type Attribute =
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "ints"; readonly value: readonly number[] }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "floats"; readonly value: readonly number[] }
  | { readonly type: "string"; readonly value: string };

/** Constructors for typed attributes. */
export const attr = {
  int: (value: number): Attribute => ({ type: "int", value }),
  ints: (value: readonly number[]): Attribute => ({ type: "ints", value }),
  float: (value: number): Attribute => ({ type: "float", value }),
  floats: (value: readonly number[]): Attribute => ({ type: "floats", value }),
  string: (value: string): Attribute => ({ type: "string", value }),
};

/** Attributes of a node, by ONNX attribute name. */
export type Attributes = Readonly<Record<string, Attribute>>;

/** One ONNX node; `outputs` are the Syms it produces, in order. */
export interface Node {
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly Sym[];
  readonly outputs: readonly Sym[];
  readonly attributes: Attributes;
}

/** Data held by a constant (initializer), in its element type's array. */
export type ConstantData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** A graph initializer: a named constant baked into the model. */
export interface Initializer {
  readonly sym: Sym;
  readonly data: ConstantData;
}

/**
 * A symbolic tensor: a named value of the graph with a static shape.
 * `producer` is the node computing it (absent for graph inputs and constants).
 */
export class Sym {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly shape: readonly number[],
    readonly elemType: ElemType,
    readonly producer?: Node,
  ) {}

  /** Number of elements (1 for a scalar). */
  get size(): number {
    return shapeSize(this.shape);
  }

  /** Rank (0 for a scalar). */
  get rank(): number {
    return this.shape.length;
  }
}

/** Product of dimensions (1 for a scalar shape). */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** A graph under construction. Nodes are kept in the order built, which is topological. */
export class Graph {
  readonly inputs: Sym[] = [];
  readonly outputs: { sym: Sym; name: string }[] = [];
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  private readonly names = new Set<string>();
  private counter = 0;
  private readonly constantsBySym = new Map<Sym, ConstantData>();
  /** Scalar constants are shared: one initializer per (value, type). */
  private readonly scalarCache = new Map<string, Sym>();

  constructor(readonly name = "graph") {}

  /** A fresh unique value name with a readable prefix. */
  freshName(prefix: string): string {
    let name = `${prefix}_${this.counter++}`;
    while (this.names.has(name)) name = `${prefix}_${this.counter++}`;
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) bug(`graph ${this.name}: value name "${name}" is already used`);
    this.names.add(name);
    return name;
  }

  /** Declare a graph input fed at run time. */
  input(name: string, elemType: ElemType, shape: readonly number[]): Sym {
    checkShape(shape, name);
    const sym = new Sym(this, this.claim(name), [...shape], elemType);
    this.inputs.push(sym);
    return sym;
  }

  /**
   * A constant tensor (an initializer). A plain number is broadcast to `shape`;
   * an array must have exactly `shapeSize(shape)` elements. Default type float32,
   * or the typed array's own type.
   */
  constant(
    values: number | readonly number[] | Float32Array | Float64Array | BigInt64Array | Int32Array,
    shape: readonly number[] = [],
    elemType?: ElemType,
  ): Sym {
    checkShape(shape, "constant");
    const type: ElemType =
      elemType ?? (values instanceof Float64Array ? "float64" : values instanceof BigInt64Array ? "int64" : values instanceof Int32Array ? "int32" : "float32");
    const size = shapeSize(shape);
    const scalarKey = typeof values === "number" && size === 1 ? `${type}:${shape.join("x")}:${values}` : undefined;
    if (scalarKey !== undefined) {
      const cached = this.scalarCache.get(scalarKey);
      if (cached) return cached;
    }
    const data = constantData(values, size, type);
    const sym = new Sym(this, this.freshName("const"), [...shape], type);
    this.initializers.push({ sym, data });
    this.constantsBySym.set(sym, data);
    if (scalarKey !== undefined) this.scalarCache.set(scalarKey, sym);
    return sym;
  }

  /** The data of a constant built by `constant`, or undefined for any other value. */
  constantValue(sym: Sym): ConstantData | undefined {
    return this.constantsBySym.get(sym);
  }

  /** Expose `sym` as a graph output called `name` (an Identity node when renaming is needed). */
  output(sym: Sym, name: string): void {
    if (this.outputs.some((o) => o.name === name)) bug(`graph ${this.name}: output "${name}" declared twice`);
    if (name !== sym.name) this.claim(name);
    this.outputs.push({ sym, name });
  }

  /**
   * Append one node. `outputs` gives each output's static shape and type; the op
   * helpers in ops-*.ts compute those. Returns the output Syms in order.
   */
  node(
    opType: string,
    inputs: readonly Sym[],
    attributes: Attributes,
    outputs: readonly { shape: readonly number[]; elemType: ElemType }[],
    domain = "",
  ): Sym[] {
    for (const input of inputs) {
      if (input.graph !== this) bug(`${opType}: input ${input.name} belongs to another graph`);
    }
    const outputSyms: Sym[] = [];
    const node: Node = { opType, domain, inputs: [...inputs], outputs: outputSyms, attributes };
    for (const spec of outputs) {
      checkShape(spec.shape, opType);
      outputSyms.push(new Sym(this, this.freshName(opType.toLowerCase()), [...spec.shape], spec.elemType, node));
    }
    this.nodes.push(node);
    return outputSyms;
  }
}

function checkShape(shape: readonly number[], where: string): void {
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) bug(`${where}: shape [${shape.join(", ")}] must be static non-negative integers`);
  }
}

function constantData(
  values: number | readonly number[] | Float32Array | Float64Array | BigInt64Array | Int32Array,
  size: number,
  type: ElemType,
): ConstantData {
  const count = typeof values === "number" ? size : values.length;
  if (count !== size) bug(`constant: ${count} values for a shape of ${size} elements`);
  const at = (i: number): number | bigint => (typeof values === "number" ? values : values[i]!);
  switch (type) {
    case "float32":
    case "float64": {
      const out = type === "float32" ? new Float32Array(size) : new Float64Array(size);
      for (let i = 0; i < size; i++) out[i] = Number(at(i));
      return out;
    }
    case "int64": {
      const out = new BigInt64Array(size);
      for (let i = 0; i < size; i++) out[i] = BigInt(at(i));
      return out;
    }
    case "int32": {
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = Number(at(i));
      return out;
    }
    case "bool": {
      const out = new Uint8Array(size);
      for (let i = 0; i < size; i++) out[i] = at(i) ? 1 : 0;
      return out;
    }
  }
}
