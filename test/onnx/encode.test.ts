import { describe, expect, test } from "bun:test";
import { onnx } from "onnx-proto";
import * as o from "../../src/onnx/index.ts";

describe("encodeModel", () => {
  test("writes opset 18, IR 8, typed inputs/outputs and raw-data initializers", () => {
    const g = new o.Graph("tiny");
    const x = g.input("x", "float32", [2, 3]);
    g.output(o.add(x, g.constant([1, 2, 3], [3])), "y");
    const model = onnx.ModelProto.decode(o.encodeModel(g));
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((s) => [s.domain, Number(s.version)])).toEqual([["", 18]]);
    const graph = model.graph!;
    expect(graph.input![0]!.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))).toEqual([2, 3]);
    expect(graph.output![0]!.name).toBe("y");
    const bytes = new Uint8Array(graph.initializer![0]!.rawData!); // copy: protobuf may return a view of a shared pool
    expect(Array.from(new Float32Array(bytes.buffer))).toEqual([1, 2, 3]);
  });

  test("renames a computed output instead of adding an Identity node; inputs re-exported get one", () => {
    const g = new o.Graph();
    const x = g.input("x", "float32", [2]);
    const y = o.mul(x, 2);
    g.output(y, "doubled");
    g.output(y, "again");
    g.output(x, "passthrough");
    const model = onnx.ModelProto.decode(o.encodeModel(g));
    const ops = model.graph!.node!.map((n) => `${n.opType}:${(n.input ?? []).join(",")}->${(n.output ?? []).join(",")}`);
    expect(ops.filter((s) => s.startsWith("Mul"))[0]).toMatch(/->doubled$/);
    expect(ops.filter((s) => s.startsWith("Identity")).sort()).toEqual(["Identity:doubled->again", "Identity:x->passthrough"]);
  });

  test("renamed outputs still run correctly in onnxruntime", async () => {
    const g = new o.Graph();
    const x = g.input("x", "float32", [2]);
    const y = o.mul(x, 2);
    g.output(o.add(y, 1), "plusOne");
    g.output(y, "doubled");
    g.output(x, "same");
    const out = await (await o.compileGraph(g)).run({ x: Float32Array.from([1, -3]) });
    expect(Array.from(out.doubled as Float32Array)).toEqual([2, -6]);
    expect(Array.from(out.plusOne as Float32Array)).toEqual([3, -5]);
    expect(Array.from(out.same as Float32Array)).toEqual([1, -3]);
  });

  test("an output name that collides with a value name is rejected", () => {
    const g = new o.Graph();
    const x = g.input("x", "float32", [2]);
    expect(() => g.output(o.mul(x, 2), "x")).toThrow(/already used/);
  });
});
