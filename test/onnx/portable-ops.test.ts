import { describe, expect, test } from "bun:test";
import { onnx } from "onnx-proto";
import * as o from "../../src/onnx/index.ts";
import { encodeModel } from "../../src/onnx/encode.ts";
import { LOWERED_OPS } from "../../src/onnx/portable-ops.ts";
import { evaluate, maxAbsDiff } from "./evaluate.ts";
import { spread } from "./gradient-check.ts";

/** Softmax and log-softmax along `axis` of a row-major [rows, cols] array, in f64 (hand-rolled reference). */
function reference(values: readonly number[], rows: number, cols: number, axis: 0 | 1, log: boolean): number[] {
  const out = new Array<number>(values.length);
  const [lines, length] = axis === 1 ? [rows, cols] : [cols, rows];
  const at = (line: number, i: number) => (axis === 1 ? line * cols + i : i * cols + line);
  for (let line = 0; line < lines; line++) {
    const xs = Array.from({ length }, (_, i) => values[at(line, i)]!);
    const top = Math.max(...xs);
    const total = xs.reduce((sum, x) => sum + Math.exp(x - top), 0);
    xs.forEach((x, i) => {
      out[at(line, i)] = log ? x - top - Math.log(total) : Math.exp(x - top) / total;
    });
  }
  return out;
}

describe("portable Softmax and LogSoftmax", () => {
  const [rows, cols] = [3, 5];
  // Wide values: a row whose exponentials would overflow without the max shift.
  const values = spread(rows * cols, 7).map((x, i) => x * 40 + (i < cols ? 700 : 0));

  for (const axis of [0, 1] as const) {
    for (const log of [false, true]) {
      test(`lowered ${log ? "log-softmax" : "softmax"} along axis ${axis} equals the reference, huge inputs included`, async () => {
        const out = await evaluate({ x: { shape: [rows, cols], values } }, ({ x }) => ({ y: log ? o.logSoftmax(x!, axis) : o.softmax(x!, axis) }), {
          portable: true,
        });
        const expected = reference(values, rows, cols, axis, log);
        expect(out.y!.values.every(Number.isFinite)).toBe(true);
        expect(maxAbsDiff(out.y!.values, expected)).toBeLessThan(1e-12);
      });
    }
  }

  test("portable: the encoded model holds no Softmax or LogSoftmax node, at opset 18 and 17 alike, and gives the same values", async () => {
    for (const opset of [17, 18]) {
      const g = new o.Graph();
      const x = g.input("x", "float32", [rows, cols]);
      g.output(o.softmax(x), "p");
      g.output(o.logSoftmax(x, 0), "l");
      const model = onnx.ModelProto.decode(encodeModel(g, { opset, portable: true }));
      const ops = model.graph!.node!.map((n) => n.opType!);
      expect(ops.filter((op) => LOWERED_OPS.includes(op))).toEqual([]);
      expect(ops).toContain("ReduceMax");
      const compiled = await o.compileGraph(g, { opset, portable: true });
      const out = await compiled.run({ x: Float32Array.from(values) });
      expect(maxAbsDiff(Array.from(out.p as Float32Array), reference(Array.from(Float32Array.from(values)), rows, cols, 1, false))).toBeLessThan(1e-6);
      expect(maxAbsDiff(Array.from(out.l as Float32Array), reference(Array.from(Float32Array.from(values)), rows, cols, 0, true))).toBeLessThan(1e-4);
    }
  });

  test("by default the encoded model keeps onnxruntime's own Softmax (the cached models were trained with it)", () => {
    const g = new o.Graph();
    g.output(o.softmax(g.input("x", "float32", [rows, cols])), "p");
    const ops = onnx.ModelProto.decode(encodeModel(g)).graph!.node!.map((n) => n.opType);
    expect(ops).toEqual(["Softmax"]);
  });

  test("the graph keeps its Softmax node, so autodiff's rule still applies", () => {
    const g = new o.Graph();
    const x = g.input("x", "float32", [rows, cols]);
    const loss = o.reduceSum(o.mul(o.softmax(x), x));
    const [dx] = o.gradients(loss, [x]);
    expect(g.nodes.map((n) => n.opType)).toContain("Softmax");
    expect(dx!.shape).toEqual([rows, cols]);
  });
});
