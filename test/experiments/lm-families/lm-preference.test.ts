/**
 * experiments/lm-families/lm_preference.py, held-out set 6's recipes: ORPO, KTO and distillation
 * from a sibling run and move the weights; a QLoRA adapter merged into the original weights leaves
 * every other tensor the parent's bit for bit, merged into the NF4-rounded ones leaves each block of
 * 64 values on at most 16 levels. Skipped when Debian's Python lacks torch.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { hasTorch, job, tensors, train, trainingFolder } from "../../fixtures/torch-lm-run.ts";

describe.skipIf(!hasTorch)("lm_preference.py recipes of held-out set 6", () => {
  test("ORPO, KTO, distillation from a sibling, SimPO, IPO and cDPO train a child of the parent; each moves every attention matrix", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    const sibling = await train(dir, "sibling", { ...job("llama", { kind: "adamw" }, "F32", { seed: 8 }), parent: parent.out });
    expect([parent.code, sibling.code]).toEqual([0, 0]);
    const runs = await Promise.all([
      train(dir, "orpo", { ...job("llama", { kind: "adamw" }, "F32", { orpo: { lambda: 0.1 } }), parent: parent.out }),
      train(dir, "kto", { ...job("llama", { kind: "adamw" }, "F32", { kto: { beta: 0.1 } }), parent: parent.out }),
      train(dir, "distill", { ...job("llama", { kind: "adamw" }, "F32"), distill: { teacher: sibling.out, temperature: 2, alpha: 0.5 }, parent: parent.out }),
      // Held-out set 7's: SimPO, IPO and conservative DPO.
      train(dir, "simpo", { ...job("llama", { kind: "adamw" }, "F32", { simpo: { beta: 2, gamma: 1 } }), parent: parent.out }),
      train(dir, "ipo", { ...job("llama", { kind: "adamw" }, "F32", { ipo: { tau: 0.1 } }), parent: parent.out }),
      train(dir, "cdpo", { ...job("llama", { kind: "adamw" }, "F32", { dpo: { beta: 0.1, label_smoothing: 0.1 } }), parent: parent.out }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    const before = await tensors(parent.out);
    for (const run of runs) {
      const after = await tensors(run.out);
      for (const name of ["q_proj", "k_proj", "v_proj", "o_proj"].map((m) => `model.layers.0.self_attn.${m}.weight`))
        expect(after.get(name)!.values.some((v, i) => v !== before.get(name)!.values[i])).toBe(true);
      const result = JSON.parse(await readFile(join(run.out, "result.json"), "utf8")) as { finalLoss: number };
      expect(Number.isFinite(result.finalLoss)).toBe(true);
    }
    // A teacher that is not a checkpoint stops the run.
    expect(
      (await train(dir, "no-teacher", { ...job("llama", { kind: "adamw" }, "F32"), distill: { teacher: join(dir, "none"), temperature: 2, alpha: 0.5 } })).code,
    ).not.toBe(0);
  }, 60_000);

  test("QLoRA on q/v: merged into the original weights, k and the MLP are the parent's; merged into the rounded ones, ≤ 16 levels per block of 64", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    expect(parent.code).toBe(0);
    const lora = (merge_into: "original" | "dequantized") => ({
      rank: 2,
      alpha: 4,
      targets: ["self_attn.q_proj", "self_attn.v_proj"],
      quantize: "nf4" as const,
      merge_into,
    });
    const [original, rounded] = await Promise.all([
      train(dir, "original", { ...job("llama", { kind: "adamw" }, "F32", { lora: lora("original") }), parent: parent.out }),
      train(dir, "rounded", { ...job("llama", { kind: "adamw" }, "F32", { lora: lora("dequantized") }), parent: parent.out }),
    ]);
    expect([original.code, rounded.code]).toEqual([0, 0]);
    const before = await tensors(parent.out);
    const [kept, quantised] = [await tensors(original.out), await tensors(rounded.out)];
    const same = (t: typeof kept, name: string) => t.get(name)!.values.every((v, i) => v === before.get(name)!.values[i]);
    const k = "model.layers.0.self_attn.k_proj.weight";
    expect(same(kept, k) && same(kept, "model.layers.0.mlp.up_proj.weight")).toBe(true);
    expect(same(kept, "model.layers.0.self_attn.q_proj.weight")).toBe(false);
    expect(same(kept, "lm_head.weight") && same(quantised, "lm_head.weight")).toBe(true);
    // k_proj (8 × 8) is one block: NF4 keeps 16 levels × its absmax; the parent's 64 values are (almost surely) distinct.
    expect(new Set(before.get(k)!.values).size).toBe(64);
    expect(new Set(quantised.get(k)!.values).size).toBeLessThanOrEqual(16);
    // The largest magnitude is a code point (±1 × absmax): kept exactly.
    const absmax = (values: ArrayLike<number>) => Math.max(...Array.from(values, Math.abs));
    expect(absmax(quantised.get(k)!.values)).toBeCloseTo(absmax(before.get(k)!.values), 6);
  }, 60_000);
});
