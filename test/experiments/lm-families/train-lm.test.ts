/**
 * experiments/lm-families/train_lm.py with each optimiser and shape of held-out sets 2, 4–7 and 10, on a
 * model of a few hundred weights for a few steps: each run saves transformers' names in the
 * asked dtype, a child starts from its parent (LoRA merged into the saved weights), and every
 * optimiser moves the weights. Skipped when Debian's Python lacks torch.
 */
import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { hasTorch, job, PYTHON, type Tensors, tensors, tiny, train, trainingFolder } from "../../fixtures/torch-lm-run.ts";

describe.skipIf(!hasTorch)("train_lm.py optimisers of held-out set 2", () => {
  test("SGD-Nesterov, RMSprop, Adagrad, NAdam and RAdam each train a child of a parent, LoRA merged, in F32 and BF16", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "sgd", momentum: 0.9, nesterov: true, clip: 1 }, "F32"));
    expect(parent.code).toBe(0);
    const gpt2Parent = await train(dir, "gpt2-parent", job("gpt2", { kind: "rmsprop", alpha: 0.99, clip: 1 }, "BF16"));
    expect(gpt2Parent.code).toBe(0);
    const lora = { rank: 2, alpha: 4, targets: ["self_attn.q_proj", "self_attn.v_proj"] };
    const children = await Promise.all([
      train(dir, "adagrad", { ...job("llama", { kind: "adagrad" }, "F32", { lora }), parent: parent.out }),
      train(dir, "radam", { ...job("llama", { kind: "radam", beta1: 0.9, beta2: 0.999 }, "BF16"), parent: parent.out }),
      train(dir, "nadam", { ...job("gpt2", { kind: "nadam", clip: 1 }, "F32"), parent: gpt2Parent.out }),
    ]);
    expect(children.map((c) => c.code)).toEqual([0, 0, 0]);

    const base = await tensors(parent.out);
    expect(base.get("model.layers.0.self_attn.q_proj.weight")?.info.dtype).toBe("F32");
    // Adagrad with LoRA on q/v: q and v moved (merged), k and the MLP are the parent's, bit for bit.
    const adagrad = await tensors(children[0]!.out);
    expect([...adagrad.keys()].sort()).toEqual([...base.keys()].sort());
    const same = (name: string) => adagrad.get(name)!.values.every((v, i) => v === base.get(name)!.values[i]);
    expect(same("model.layers.0.self_attn.k_proj.weight")).toBe(true);
    expect(same("model.layers.0.mlp.up_proj.weight")).toBe(true);
    expect(same("model.layers.0.self_attn.q_proj.weight")).toBe(false);
    expect(same("model.layers.0.self_attn.v_proj.weight")).toBe(false);
    expect((await tensors(children[1]!.out)).get("model.layers.0.mlp.down_proj.weight")?.info.dtype).toBe("BF16");
    const gpt2 = await tensors(children[2]!.out);
    expect(gpt2.get("transformer.h.0.attn.c_attn.weight")?.info.shape).toEqual([8, 24]);
    expect(gpt2.has("lm_head.weight")).toBe(false);
    const result = JSON.parse(await readFile(join(children[2]!.out, "result.json"), "utf8")) as { finalLoss: number };
    expect(Number.isFinite(result.finalLoss)).toBe(true);
  }, 60_000);
});

describe.skipIf(!hasTorch)("train_lm.py shapes and recipes of held-out set 4", () => {
  test("Qwen2 (GQA, q/k/v biases, tied) and Mistral (multi-query) save transformers' shapes; WSD, autocast, accumulation, label smoothing, dropout and an all-linear LoRA run", async () => {
    const dir = await trainingFolder();
    const qwenConfig = { ...tiny, heads: 4, kv_heads: 2, qkv_bias: true, tied: true };
    const qwen = await train(dir, "qwen", {
      ...job("qwen2", { kind: "adamw", wd: 0.1, clip: 1 }, "BF16", { schedule: "wsd", autocast: "bf16", accumulate: 2 }),
      config: qwenConfig,
      init: "hf",
    });
    expect(qwen.code).toBe(0);
    const base = await tensors(qwen.out);
    // dim 8, 4 heads of 2, 2 key/value heads: k and v project to 4.
    expect(base.get("model.layers.0.self_attn.q_proj.weight")?.info.shape).toEqual([8, 8]);
    expect(base.get("model.layers.0.self_attn.k_proj.weight")?.info.shape).toEqual([4, 8]);
    expect(base.get("model.layers.0.self_attn.v_proj.bias")?.info.shape).toEqual([4]);
    expect(base.has("model.layers.0.self_attn.o_proj.bias")).toBe(false);
    expect(base.has("lm_head.weight")).toBe(false);
    const config = JSON.parse(await readFile(join(qwen.out, "config.json"), "utf8"));
    expect(config).toMatchObject({ model_type: "qwen2", num_key_value_heads: 2, tie_word_embeddings: true });

    const lora = { rank: 2, alpha: 2, dropout: 0.05, targets: ["self_attn.k_proj", "mlp.down_proj"] };
    const child = await train(dir, "child", {
      ...job("qwen2", { kind: "adamw", clip: 1 }, "BF16", { schedule: "constant", label_smoothing: 0.1, lora }),
      config: { ...qwenConfig, dropout: 0.1 },
      parent: qwen.out,
    });
    expect(child.code).toBe(0);
    const tuned = await tensors(child.out);
    const same = (name: string) => tuned.get(name)!.values.every((v, i) => v === base.get(name)!.values[i]);
    expect(same("model.layers.0.self_attn.k_proj.weight")).toBe(false);
    expect(same("model.layers.0.mlp.down_proj.weight")).toBe(false);
    expect(same("model.layers.0.self_attn.q_proj.weight")).toBe(true);
    expect(same("model.layers.0.self_attn.k_proj.bias")).toBe(true);

    const mistral = await train(dir, "mistral", { ...job("mistral", { kind: "adamw" }, "F32", { schedule: "linear" }), config: { ...tiny, kv_heads: 1 } });
    expect(mistral.code).toBe(0);
    expect((await tensors(mistral.out)).get("model.layers.0.self_attn.v_proj.weight")?.info.shape).toEqual([4, 8]);
  }, 60_000);

  test("Lion and Adafactor as their papers define a first step: Lion moves every weight by ±lr; Adafactor every vector by ±lr (g / √g², RMS 1)", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    expect(parent.code).toBe(0);
    const lr = 1e-2;
    const oneStep = { steps: 1, lr, warmup: 1, schedule: "inverse-sqrt" as const };
    const [lion, adafactor] = await Promise.all([
      train(dir, "lion", { ...job("llama", { kind: "lion" }, "F32", oneStep), parent: parent.out }),
      train(dir, "adafactor", { ...job("llama", { kind: "adafactor" }, "F32", oneStep), parent: parent.out }),
    ]);
    expect([lion.code, adafactor.code]).toEqual([0, 0]);
    const before = await tensors(parent.out);
    const steps = async (out: string, only: (shape: readonly number[]) => boolean) => {
      const after = await tensors(out);
      const sizes: number[] = [];
      for (const [name, { info, values }] of after) {
        if (!only(info.shape)) continue;
        values.forEach((v, i) => sizes.push(Math.abs(v - before.get(name)!.values[i]!)));
      }
      return sizes;
    };
    const lionSteps = await steps(lion.out, () => true);
    expect(lionSteps.filter((s) => s > 0).every((s) => Math.abs(s - lr) < 1e-6)).toBe(true);
    expect(lionSteps.filter((s) => s > 0).length).toBeGreaterThan(lionSteps.length / 2);
    const vectorSteps = await steps(adafactor.out, (shape) => shape.length === 1);
    expect(vectorSteps.filter((s) => s > 0).every((s) => Math.abs(s - lr) < 1e-6)).toBe(true);
    expect((await steps(adafactor.out, (shape) => shape.length === 2)).some((s) => s > 0 && Math.abs(s - lr) > 1e-4)).toBe(true);
  }, 60_000);
});

describe.skipIf(!hasTorch)("train_lm.py shapes and recipes of held-out set 5", () => {
  test("Gemma, OLMo, Phi, GPT-NeoX and Falcon save transformers' names and shapes; a LoRA on a fused q/k/v, DPO and warm restarts run", async () => {
    const dir = await trainingFolder();
    const config = { ...tiny, heads: 2, kv_heads: 1, rotary_pct: 0.5 };
    const archs = ["gemma", "olmo", "phi", "gpt_neox", "falcon"] as const;
    const runs = await Promise.all(archs.map((arch) => train(dir, arch, { ...job(arch, { kind: "adamw", wd: 0.1 }, "F32"), config, init: "hf" })));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    const [gemma, olmo, phi, neox, falcon] = (await Promise.all(runs.map((r) => tensors(r.out)))) as [Tensors, Tensors, Tensors, Tensors, Tensors];
    const shapes = (t: Tensors) => Object.fromEntries([...t].map(([name, { info }]) => [name, info.shape]));
    // Gemma: multi-query k/v of one 4-dim head, (1 + w) norms stored as w (started at 0), no lm_head (tied).
    expect(shapes(gemma)).toMatchObject({ "model.layers.0.self_attn.k_proj.weight": [4, 8], "model.norm.weight": [8] });
    expect(gemma.has("lm_head.weight")).toBe(false);
    // OLMo: no norm tensor at all, an untied head.
    expect([...olmo.keys()].some((name) => name.includes("norm"))).toBe(false);
    expect(olmo.has("lm_head.weight")).toBe(true);
    expect(shapes(phi)).toMatchObject({
      "model.layers.0.self_attn.dense.bias": [8],
      "model.layers.0.mlp.fc1.weight": [16, 8],
      "model.final_layernorm.bias": [8],
      "lm_head.bias": [256],
    });
    expect(phi.has("model.layers.0.post_attention_layernorm.weight")).toBe(false);
    // GPT-NeoX: every head's q, k and v in one projection (no grouped-query form), two norms per block.
    expect(shapes(neox)).toMatchObject({
      "gpt_neox.layers.0.attention.query_key_value.weight": [24, 8],
      "gpt_neox.layers.0.post_attention_layernorm.bias": [8],
      "embed_out.weight": [256, 8],
    });
    // Falcon: all q heads, one k and one v head fused, no biases, tied.
    expect(shapes(falcon)).toMatchObject({ "transformer.h.0.self_attention.query_key_value.weight": [16, 8], "transformer.word_embeddings.weight": [256, 8] });
    expect([...falcon.keys()].some((name) => name.endsWith(".bias") && !name.includes("norm") && !name.includes("ln_f"))).toBe(false);
    expect(falcon.has("lm_head.weight")).toBe(false);
    const configJson = JSON.parse(await readFile(join(runs[3]!.out, "config.json"), "utf8"));
    expect(configJson).toMatchObject({ model_type: "gpt_neox", rotary_pct: 0.5, use_parallel_residual: true });

    const lora = { rank: 2, alpha: 4, dropout: 0.05, targets: ["attention.query_key_value", "mlp.dense_4h_to_h"] };
    const [neoxLora, phiDpo] = await Promise.all([
      train(dir, "neox-lora", {
        ...job("gpt_neox", { kind: "lamb", wd: 0.01 }, "F32", { schedule: "cosine-restarts", lora, steps: 7 }),
        config,
        parent: runs[3]!.out,
      }),
      train(dir, "phi-dpo", { ...job("phi", { kind: "adamw" }, "F32", { dpo: { beta: 0.1 } }), config, parent: runs[2]!.out }),
    ]);
    expect([neoxLora.code, phiDpo.code]).toEqual([0, 0]);
    const tuned = await tensors(neoxLora.out);
    const same = (name: string) => tuned.get(name)!.values.every((v, i) => v === neox.get(name)!.values[i]);
    expect(same("gpt_neox.layers.0.attention.query_key_value.weight")).toBe(false);
    expect(same("gpt_neox.layers.0.mlp.dense_4h_to_h.weight")).toBe(false);
    expect(same("gpt_neox.layers.0.attention.dense.weight")).toBe(true);
    expect(same("gpt_neox.layers.0.attention.query_key_value.bias")).toBe(true);
    const dpo = JSON.parse(await readFile(join(phiDpo.out, "result.json"), "utf8")) as { finalLoss: number };
    // DPO's loss starts at log 2 (the model is its reference) and stays finite.
    expect(Number.isFinite(dpo.finalLoss)).toBe(true);
  }, 60_000);

  test("LAMB's first step moves each tensor by lr × its norm (the trust ratio); an EMA release moves a fraction of the run's change", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    expect(parent.code).toBe(0);
    const lr = 1e-2;
    const [lamb, plain, averaged] = await Promise.all([
      train(dir, "lamb", { ...job("llama", { kind: "lamb" }, "F32", { steps: 1, lr, warmup: 1, schedule: "constant" }), parent: parent.out }),
      train(dir, "plain", { ...job("llama", { kind: "adamw" }, "F32", { steps: 6 }), parent: parent.out }),
      train(dir, "ema", { ...job("llama", { kind: "adamw" }, "F32", { steps: 6, ema: 0.9 }), parent: parent.out }),
    ]);
    expect([lamb.code, plain.code, averaged.code]).toEqual([0, 0, 0]);
    const before = await tensors(parent.out);
    const norm = (values: ArrayLike<number>) => Math.sqrt(Array.from(values).reduce((sum, v) => sum + v * v, 0));
    const moved = async (out: string) => {
      const after = await tensors(out);
      return new Map([...after].map(([name, { values }]) => [name, norm(Array.from(values, (v, i) => v - before.get(name)!.values[i]!))]));
    };
    for (const [name, step] of await moved(lamb.out)) expect(step / norm(before.get(name)!.values)).toBeCloseTo(lr, 4);
    // EMA 0.9 over 6 steps keeps ≥ 0.9^6 ≈ 53 % of the start: the release moved at most about half as far as the run.
    const [full, ema] = await Promise.all([moved(plain.out), moved(averaged.out)]);
    for (const [name, step] of full) if (step > 0) expect(ema.get(name)!).toBeLessThan(0.6 * step);
  }, 60_000);
});

describe.skipIf(!hasTorch)("train_lm.py optimisers of held-out set 6", () => {
  test("Muon's first step on a hidden matrix is orthogonal (singular values near 1 × 0.2 √max(m, n) × lr); embeddings and schedule-free AdamW take Adam's ±lr", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    expect(parent.code).toBe(0);
    const lr = 1e-2;
    const oneStep = { steps: 1, lr, warmup: 1, schedule: "constant" as const };
    const [muon, free] = await Promise.all([
      train(dir, "muon", { ...job("llama", { kind: "muon", momentum: 0.95 }, "F32", oneStep), parent: parent.out }),
      train(dir, "free", { ...job("llama", { kind: "adamw-schedulefree" }, "F32", oneStep), parent: parent.out }),
    ]);
    expect([muon.code, free.code]).toEqual([0, 0]);
    const before = await tensors(parent.out);
    const delta = async (out: string, name: string) => {
      const after = await tensors(out);
      return Array.from(after.get(name)!.values, (v, i) => v - before.get(name)!.values[i]!);
    };
    // q_proj is 8 × 8: an orthogonal update O has ‖O‖_F = √8; the quintic Newton–Schulz leaves singular values in about [0.7, 1.2].
    const q = await delta(muon.out, "model.layers.0.self_attn.q_proj.weight");
    const frobenius = Math.sqrt(q.reduce((sum, v) => sum + v * v, 0)) / (lr * 0.2 * Math.sqrt(8));
    expect(frobenius).toBeGreaterThan(0.7 * Math.sqrt(8));
    expect(frobenius).toBeLessThan(1.2 * Math.sqrt(8));
    // Adam's first step is lr · g / (|g| + ε): never above lr, and lr itself unless |g| is within a few orders of ε.
    const adamLike = (steps: number[]) => {
      const moved = steps.filter((s) => s !== 0).map(Math.abs);
      return moved.every((s) => s <= lr * (1 + 1e-5)) && moved.filter((s) => s > lr * 0.999).length >= 0.9 * moved.length;
    };
    const embedding = await delta(muon.out, "model.embed_tokens.weight");
    expect(embedding.some((s) => s !== 0) && adamLike(embedding)).toBe(true);
    const freeQ = await delta(free.out, "model.layers.0.self_attn.q_proj.weight");
    expect(freeQ.some((s) => s !== 0) && adamLike(freeQ)).toBe(true);
  }, 60_000);
});

describe.skipIf(!hasTorch)("train_lm.py recipes of held-out set 7", () => {
  test("Sophia's first step is element-wise clipped to ±lr: a sign step while ρ × the Hessian estimate is small, shorter where it is large", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    expect(parent.code).toBe(0);
    const lr = 1e-2;
    const oneStep = { steps: 1, lr, warmup: 1, schedule: "constant" as const };
    const [usual, stiff] = await Promise.all([
      train(dir, "usual", { ...job("llama", { kind: "sophia", rho: 0.04, every: 10 }, "F32", oneStep), parent: parent.out }),
      train(dir, "stiff", { ...job("llama", { kind: "sophia", rho: 1e6, every: 10 }, "F32", oneStep), parent: parent.out }),
    ]);
    expect([usual.code, stiff.code]).toEqual([0, 0]);
    const before = await tensors(parent.out);
    const moved = async (out: string) =>
      [...(await tensors(out))].flatMap(([name, { values }]) => Array.from(values, (v, i) => Math.abs(v - before.get(name)!.values[i]!))).filter((s) => s > 0);
    const [a, b] = [await moved(usual.out), await moved(stiff.out)];
    expect(a.length).toBeGreaterThan(0);
    expect([...a, ...b].every((s) => s <= lr * (1 + 1e-5))).toBe(true);
    // The estimate starts from 0 (an EMA, not bias-corrected): at ρ 0.04 nearly every step is clipped to lr; at ρ 10⁶ it divides.
    expect(a.filter((s) => s > 0.99 * lr).length).toBeGreaterThan(0.9 * a.length);
    expect(b.filter((s) => s < 0.5 * lr).length).toBeGreaterThan(0.9 * b.length);
  }, 60_000);

  test("a soup is the mean of its ingredient runs (seed + i, lr × scale); added tokens keep the parent's rows and start at their mean", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("opt", { kind: "adamw" }, "F32", { init: "hf" }));
    expect(parent.code).toBe(0);
    const base = { ...job("opt", { kind: "adamw" }, "F32", { init: "hf", steps: 3 }), parent: parent.out };
    const [soup, first, second, grown] = await Promise.all([
      train(dir, "soup", { ...base, soup: { lr_scales: [1, 2] } }),
      train(dir, "first", base),
      train(dir, "second", { ...base, seed: base.seed + 1, lr: base.lr * 2 }),
      // lr 0: nothing trains, so the saved embedding is the resized parent's.
      train(dir, "grown", { ...base, lr: 0, config: { ...base.config, vocab: 259 }, resize_vocab: 3 }),
    ]);
    expect([soup.code, first.code, second.code, grown.code]).toEqual([0, 0, 0, 0]);
    const [s, a, b] = [await tensors(soup.out), await tensors(first.out), await tensors(second.out)];
    for (const [name, { values }] of s) {
      const mean = Array.from(values, (_, i) => (a.get(name)!.values[i]! + b.get(name)!.values[i]!) / 2);
      expect(Math.max(...Array.from(values, (v, i) => Math.abs(v - mean[i]!)))).toBeLessThan(1e-6);
    }
    const embedding = "model.decoder.embed_tokens.weight";
    const [old, resized] = [(await tensors(parent.out)).get(embedding)!, (await tensors(grown.out)).get(embedding)!];
    expect(resized.info.shape).toEqual([259, 8]);
    expect(Array.from(resized.values.slice(0, 256 * 8))).toEqual(Array.from(old.values));
    for (let row = 256; row < 259; row++)
      for (let d = 0; d < 8; d++) {
        const mean = Array.from({ length: 256 }, (_, r) => old.values[r * 8 + d]!).reduce((sum, v) => sum + v, 0) / 256;
        expect(resized.values[row * 8 + d]!).toBeCloseTo(mean, 6);
      }
    // Without resize_vocab a larger vocabulary does not fit the parent: the run stops.
    expect((await train(dir, "unfit", { ...base, config: { ...base.config, vocab: 259 } })).code).not.toBe(0);
  }, 60_000);
});

describe.skipIf(!hasTorch)("train_lm.py recipes of held-out set 10", () => {
  test("layer freezing keeps the named parameters as loaded and trains the rest; a pattern that matches nothing stops the run", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    expect(parent.code).toBe(0);
    const child = await train(dir, "frozen", { ...job("llama", { kind: "adamw" }, "F32", { freeze: ["embed_tokens", "mlp."] }), parent: parent.out });
    expect(child.code).toBe(0);
    const [before, after] = [await tensors(parent.out), await tensors(child.out)];
    const same = (name: string) => Array.from(after.get(name)!.values).every((v, i) => v === before.get(name)!.values[i]);
    const frozen = [...after.keys()].filter((name) => name.includes("embed_tokens") || name.includes("mlp."));
    expect(frozen.length).toBe(4);
    expect(frozen.every(same)).toBe(true);
    expect([...after.keys()].filter((name) => !frozen.includes(name)).some((name) => !same(name))).toBe(true);
    expect(same("model.layers.0.self_attn.q_proj.weight")).toBe(false);
    expect((await train(dir, "typo", { ...job("llama", { kind: "adamw" }, "F32", { freeze: ["mlp_typo"] }), parent: parent.out })).code).not.toBe(0);
  }, 60_000);

  test("checkpoint averaging releases the mean of the last checkpoints (a constant-rate 3-step run's last two are the 2- and 3-step runs)", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    expect(parent.code).toBe(0);
    const constant = (steps: number) => ({
      ...job("llama", { kind: "adamw" }, "F32", { steps, warmup: 1, schedule: "constant" as const }),
      parent: parent.out,
    });
    const [two, three, averaged] = await Promise.all([
      train(dir, "two", constant(2)),
      train(dir, "three", constant(3)),
      train(dir, "averaged", { ...constant(3), average_last: { every: 1, count: 2 } }),
    ]);
    expect([two.code, three.code, averaged.code]).toEqual([0, 0, 0]);
    const [a, b, mean] = [await tensors(two.out), await tensors(three.out), await tensors(averaged.out)];
    let moved = 0;
    for (const [name, { values }] of mean) {
      for (const [i, v] of Array.from(values).entries()) expect(Math.abs(v - (a.get(name)!.values[i]! + b.get(name)!.values[i]!) / 2)).toBeLessThan(1e-6);
      if (Array.from(values).some((v, i) => v !== b.get(name)!.values[i])) moved++;
    }
    expect(moved).toBeGreaterThan(0);
  }, 60_000);

  test("QAT released on the grid: every group of a block matrix is a multiple of its absmax / 7 (int4); the float release is not, embeddings stay float", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    expect(parent.code).toBe(0);
    const qat = (release: "master" | "grid") => ({ ...job("llama", { kind: "adamw" }, "F32", { qat: { bits: 4, group: 8, release } }), parent: parent.out });
    const [grid, master] = await Promise.all([train(dir, "grid", qat("grid")), train(dir, "master", qat("master"))]);
    expect([grid.code, master.code]).toEqual([0, 0]);
    const onGrid = (values: ArrayLike<number>) => {
      for (let at = 0; at < values.length; at += 8) {
        const group = Array.from(values).slice(at, at + 8);
        const scale = Math.max(...group.map(Math.abs)) / 7;
        if (group.some((v) => Math.abs(v / scale - Math.round(v / scale)) > 1e-4)) return false;
      }
      return true;
    };
    const [g, m] = [await tensors(grid.out), await tensors(master.out)];
    for (const name of ["model.layers.0.self_attn.q_proj.weight", "model.layers.0.mlp.down_proj.weight", "lm_head.weight"]) {
      expect(onGrid(g.get(name)!.values)).toBe(!name.startsWith("lm_head"));
      expect(onGrid(m.get(name)!.values)).toBe(false);
    }
    expect(onGrid(g.get("model.embed_tokens.weight")!.values)).toBe(false);
    // A group size that does not divide a matrix's inputs stops the run.
    expect((await train(dir, "bad-group", { ...qat("grid"), qat: { bits: 4, group: 3, release: "grid" } })).code).not.toBe(0);
  }, 60_000);

  test("layer-wise lr decay 0.5 (Adamax, depth 1): a first step of ±lr × 0.25 on the embedding, × 0.5 in the block, × 1 on the final norm and head", async () => {
    const dir = await trainingFolder();
    const parent = await train(dir, "parent", job("llama", { kind: "adamw" }, "F32"));
    expect(parent.code).toBe(0);
    const lr = 1e-2;
    const decayed = await train(dir, "llrd", {
      ...job("llama", { kind: "adamax", wd: 0 }, "F32", { steps: 1, lr, warmup: 1, schedule: "constant", lr_layer_decay: 0.5 }),
      parent: parent.out,
    });
    expect(decayed.code).toBe(0);
    const [before, after] = [await tensors(parent.out), await tensors(decayed.out)];
    const largest = (name: string) => Math.max(...Array.from(after.get(name)!.values, (v, i) => Math.abs(v - before.get(name)!.values[i]!)));
    expect(largest("model.embed_tokens.weight")).toBeCloseTo(0.25 * lr, 5);
    expect(largest("model.layers.0.self_attn.q_proj.weight")).toBeCloseTo(0.5 * lr, 5);
    expect(largest("model.layers.0.mlp.up_proj.weight")).toBeCloseTo(0.5 * lr, 5);
    expect(largest("model.norm.weight")).toBeCloseTo(lr, 5);
    expect(largest("lm_head.weight")).toBeCloseTo(lr, 5);
  }, 60_000);

  test("sliding-window attention: an output does not depend on tokens more than `window` back, and the config says the window", async () => {
    const dir = await trainingFolder();
    const run = await train(dir, "swa", job("mistral", { kind: "adamw" }, "F32", { init: "hf", config: { ...tiny, sliding_window: 3 } }));
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(join(run.out, "config.json"), "utf8")).sliding_window).toBe(3);
    // One block sees 3 positions: the last output moves with token 5 (of 0–7) and not with token 4; without a window it moves with both.
    const probe = (window: string) =>
      spawnSync(PYTHON, [
        "-c",
        `import sys, torch; sys.path.insert(0, ${JSON.stringify(join(import.meta.dir, "..", "..", "..", "experiments", "lm-families"))})
from lm_models import build
c = dict(vocab=256, dim=8, depth=1, heads=2, mlp=16, context=8, eps=1e-5, rope_theta=10000, init_std=0.02${window})
torch.manual_seed(0); m = build("mistral", c, "hf").eval()
ids = torch.randint(0, 256, (1, 8))
def last(at):
    x = ids.clone(); x[0, at] = (x[0, at] + 1) % 256
    with torch.no_grad(): return bool((m(x)[0, -1] - m(ids)[0, -1]).abs().max() > 0)
print(last(4), last(5))`,
      ])
        .stdout.toString()
        .trim();
    expect(probe(", sliding_window=3")).toBe("False True");
    expect(probe("")).toBe("True True");
  }, 60_000);
});
