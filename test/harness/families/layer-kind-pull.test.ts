import { describe, expect, test } from "bun:test";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { kindPull, layerKindPull, pullTable, siblingTriples, squaredDistances } from "../../../src/harness/families/layer-kind-pull.ts";
import { discoverModels } from "../../../src/io/discover-models.ts";
import { writeSafetensors } from "../../../src/io/write-safetensors.ts";
import type { TruthGraph } from "../../../src/types.ts";
import { temporaryFolder } from "../../fixtures/temporary-folder.ts";

// p → long c, p → short s.
const truth: TruthGraph = {
  models: ["c", "p", "s"].map((id) => ({ id, stage: "specialization", tree: "p" })),
  edges: [
    { parent: "p", child: "c" },
    { parent: "p", child: "s" },
  ],
};

describe("squaredDistances and siblingTriples", () => {
  test("squared Frobenius distances by hand, and the long child named first", () => {
    const squares = squaredDistances([Float32Array.of(0, 0), Float32Array.of(3, 4), Float32Array.of(1, 0)]);
    expect([...squares]).toEqual([0, 25, 1, 25, 0, 20, 1, 20, 0]);
    // ids c, p, s: d(p, c)² = 25 > d(p, s)² = 20 — rows are c=0, p=1, s=2.
    expect(siblingTriples(["c", "p", "s"], truth, (i, j) => squares[i * 3 + j]!)).toEqual([[1, 0, 2]]);
  });
});

describe("layerKindPull", () => {
  const folder = temporaryFolder("layer-kind-pull-");

  test("a kind where the short sibling moved the long child's way votes against the parent; the other kinds for it", async () => {
    const n = 16;
    const parent = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i * 1.3) * 0.1);
    const along = Float32Array.from({ length: n * n }, (_, i) => (i % 2 === 0 ? 0.05 : -0.05));
    const across = Float32Array.from({ length: n * n }, (_, i) => (i % 4 < 2 ? 0.01 : -0.01));
    // c: a long update along `along` in every layer. s: 0.6 of c's way in the MLP (the pull: ‖c − s‖ = 0.4‖c − p‖),
    // an orthogonal small step in attention (‖c − s‖ > ‖c − p‖).
    // The norms' scales (1-D): c moved by 0.1 and s by 0.25 the same way, so c is nearer p (0.1) than s (0.15).
    const ones = (shift: number) => Float32Array.from({ length: n }, () => 1 + shift);
    const weights = {
      p: { attention: parent, mlp: parent, norm: ones(0) },
      c: { attention: parent.map((x, i) => x + along[i]!), mlp: parent.map((x, i) => x + along[i]!), norm: ones(0.1) },
      s: { attention: parent.map((x, i) => x + across[i]!), mlp: parent.map((x, i) => x + 0.6 * along[i]!), norm: ones(0.25) },
    };
    for (const [id, w] of Object.entries(weights)) {
      await mkdir(join(folder, id));
      await writeSafetensors(join(folder, id, "model.safetensors"), [
        { name: "model.layers.0.self_attn.q_proj.weight", dtype: "F32", shape: [n, n], data: w.attention },
        { name: "model.layers.0.self_attn.v_proj.weight", dtype: "F32", shape: [n, n], data: w.attention },
        { name: "model.layers.0.mlp.up_proj.weight", dtype: "F32", shape: [n, n], data: w.mlp },
        { name: "model.layers.0.input_layernorm.weight", dtype: "F32", shape: [n], data: w.norm },
      ]);
    }
    const pull = await layerKindPull(await discoverModels([folder]), truth);
    const row = (kind: string) => pull.find((p) => p.kind === kind);
    expect(row("query")).toEqual({ kind: "query", layersRight: 1, layers: 1, triplesRight: 1, triples: 1 });
    expect(row("value")).toEqual({ kind: "value", layersRight: 1, layers: 1, triplesRight: 1, triples: 1 });
    expect(row("mlp-in")).toEqual({ kind: "mlp-in", layersRight: 0, layers: 1, triplesRight: 0, triples: 1 });
    // Blocks: 2 of 3 layers side with the parent, but together the pull wins: ‖c − p‖² = 3 × 0.64 = 1.92 against
    // ‖c − s‖² = 2 × (0.64 + 0.0256) + 0.16 × 0.64 = 1.43 (‖along‖² = 256 × 0.05² = 0.64, ‖across‖² = 0.0256, orthogonal).
    expect(row("blocks")).toEqual({ kind: "blocks", layersRight: 2, layers: 3, triplesRight: 0, triples: 1 });
    // The norm (1-D) on its own row, outside the blocks: ‖c − p‖² = 16 × 0.01 < ‖c − s‖² = 16 × 0.0225. No kinds the models lack.
    expect(row("norm")).toEqual({ kind: "norm", layersRight: 1, layers: 1, triplesRight: 1, triples: 1 });
    expect(pull.map((p) => p.kind)).toEqual(["query", "value", "mlp-in", "norm", "blocks"]);
    expect(pullTable([{ kind: "lm", heldOutSet: 0, pull }])).toContain("0/1; layers 2/3");
  });

  test("a triple whose summed layers disagree with the layers' majority is counted by the sum", () => {
    // One layer strongly for the sibling, two weakly for the parent (k = 3: c 0, p 1, s 2).
    const layer = (toParent: number, toSibling: number) => ({
      kind: "mlp-out" as const,
      squares: Float64Array.from([0, toParent, toSibling, toParent, 0, 1, toSibling, 1, 0]),
    });
    const [row] = kindPull([layer(1, 1.1), layer(1, 1.1), layer(5, 1)], [[1, 0, 2]], 3);
    expect(row).toEqual({ kind: "mlp-out", layersRight: 2, layers: 3, triplesRight: 0, triples: 1 });
  });
});
