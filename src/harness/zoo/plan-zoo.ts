/**
 * The model zoo (issue #12, item 5) as a plan over the trained VTHR models and the Llama-like
 * family: per base, a typed family of the kinds a hub holds.
 *
 * Per ViT root (VTHR):
 *   trained    the root, its full fine-tunes (FT split) and merged-LoRA children (LoRA-V split)
 *              with their grandchildren; LoRA-V c3 and its four children, and c2's first two
 *              children, published as PEFT adapter folders (c3's children: adapters on an adapter)
 *   quantized  f16, int8, 4-bit safetensors copies; GGUF Q8_0 and Q4_K files
 *   merges     of siblings and cousins: linear, task arithmetic, SLERP, TIES, DARE, and a linear
 *              merge of two LoRA grandchildren: one "merge" edge per parent
 *   chains     trained here: a full fine-tune of the linear merge; a full fine-tune of a
 *              merged-LoRA child and a GGUF of it; a LoRA adapter (PEFT folder) on a full fine-tune
 *
 * The Llama-like tree (experiments/llama-family.ts's five bf16 models: llama-2 → chat, codellama →
 * python, instruct) gains LoRA children (merged and PEFT), an adapter on codellama, merges, a
 * fine-tune of a merge, a full fine-tune of a merged-LoRA model with a GGUF of it, and GGUF/int8 copies.
 *
 * A merge's parents are the models it combines with a positive weight: for task arithmetic
 * with λ = 0.7 the base's weight is 1 − 2λ < 0, so not the base; for TIES and DARE the models
 * whose task vectors it merges. A pure function of the settings: the same settings name the same zoo.
 */
import { deriveSeed, Rng } from "../../../datasets/index.ts";
import { DEFAULT_LORA_TARGETS, type LoraConfig } from "../../models/lora.ts";
import type { TrainConfig } from "../../train/train-config.ts";
import type { FamilyMember } from "../families/family-member.ts";
import type { LlamaFamilySettings } from "../families/llama-family-settings.ts";
import { type VthrPlan, vthrFineTuneConfig } from "../vthr/plan-vthr.ts";
import type { SplitName, VthrSettings } from "../vthr/vthr-settings.ts";
import type { MergeMethod } from "./merge-weights.ts";
import { ZooBuilder, type ZooPlan } from "./zoo-members.ts";

export type { ZooMember, ZooPlan } from "./zoo-members.ts";

/** The splits whose trained models enter the zoo. */
export const ZOO_SPLITS: readonly SplitName[] = ["ft", "lora-v"];

/** What the zoo is planned from. */
export interface ZooSources {
  readonly vthr: VthrPlan;
  readonly vthrSettings: VthrSettings;
  /** The Llama-like family's members (planLlamaFamily) and settings; omitted: ViT roots only. */
  readonly llama?: { readonly members: readonly FamilyMember[]; readonly settings: LlamaFamilySettings };
}

/** Plans the zoo (the VTHR plan must have children ≥ 4 and grandchildren ≥ 4, as VTHR's defaults do). */
export function planZoo(sources: ZooSources): ZooPlan {
  const zoo = new ZooBuilder();
  for (const root of sources.vthr.roots) planVitTree(zoo, root.id, sources);
  if (sources.llama) planLlamaTree(zoo, sources.llama.members, sources.llama.settings);
  return zoo.plan();
}

function planVitTree(zoo: ZooBuilder, r: string, { vthr, vthrSettings }: ZooSources): void {
  const ft = (path: string) => `ft.${r}.${path}`;
  const lora = (path: string) => `lora-v.${r}.${path}`;
  const peft = new Set([lora("c3"), ...[0, 1, 2, 3].map((g) => lora(`c3.g${g}`)), lora("c2.g0"), lora("c2.g1")]);
  zoo.add({ id: r, tree: r, make: "trained" });
  for (const split of ZOO_SPLITS) {
    for (const m of (vthr.splits.get(split) ?? []).filter((m) => m.tree === r)) {
      const adapterFolder = peft.has(m.id);
      zoo.add({
        id: m.id,
        tree: r,
        make: "trained",
        parent: m.parent!,
        ...(m.config.lora ? { lora: m.config.lora } : {}),
        ...(adapterFolder ? { adapterFolder } : {}),
      });
    }
  }
  zoo.add({ id: `${ft("c0")}.fp16`, tree: r, make: "copy", source: ft("c0"), kind: "fp16" });
  zoo.add({ id: `${lora("c1")}.int8`, tree: r, make: "copy", source: lora("c1"), kind: "int8" });
  zoo.add({ id: `${ft("c2.g0")}.int4`, tree: r, make: "copy", source: ft("c2.g0"), kind: "int4" });
  zoo.add({ id: `${ft("c1")}.Q8_0`, tree: r, make: "gguf", source: ft("c1"), type: "Q8_0" });
  zoo.add({ id: `${ft("c3.g0")}.Q4_K`, tree: r, make: "gguf", source: ft("c3.g0"), type: "Q4_K" });
  const merge = (name: string, parents: readonly string[], method: MergeMethod, base?: string) =>
    zoo.add({ id: `merge.${r}.${name}`, tree: r, make: "merge", parents, method, ...(base ? { base } : {}) });
  const linear = merge("linear", [ft("c0"), ft("c1")], { kind: "linear", weights: [1, 1] });
  merge("task-arithmetic", [ft("c2"), ft("c3")], { kind: "task-arithmetic", lambda: 0.7 }, r);
  merge("slerp", [ft("c0.g0"), ft("c0.g1")], { kind: "slerp", t: 0.4 });
  merge("ties", [ft("c1.g0"), ft("c1.g1")], { kind: "ties", density: 0.5, lambda: 1 }, ft("c1"));
  merge("dare", [ft("c2.g0"), ft("c2.g1")], { kind: "dare", density: 0.5, lambda: 1, seed: 7 }, ft("c2"));
  merge("lora-linear", [lora("c0.g0"), lora("c0.g1")], { kind: "linear", weights: [1, 1] });
  // Chains that mix methods, trained here from the members above.
  const vit = (id: string, parent: string, lora?: LoraConfig): TrainConfig => vitFineTune(vthrSettings, id, parent, lora);
  zoo.add({ id: `${linear}.ft`, tree: r, make: "train", parent: linear, config: vit(`${linear}.ft`, linear), dtype: "F32" });
  const ftOfAdapter = zoo.add({
    id: `${lora("c1")}.ft`,
    tree: r,
    make: "train",
    parent: lora("c1"),
    config: vit(`${lora("c1")}.ft`, lora("c1")),
    dtype: "F32",
  });
  zoo.add({ id: `${ftOfAdapter}.Q8_0`, tree: r, make: "gguf", source: ftOfAdapter, type: "Q8_0" });
  const onFt: LoraConfig = { rank: 4, alpha: 4, targets: DEFAULT_LORA_TARGETS };
  zoo.add({
    id: `${ft("c3")}.lora`,
    tree: r,
    make: "train",
    parent: ft("c3"),
    config: vit(`${ft("c3")}.lora`, ft("c3"), onFt),
    dtype: "F32",
    lora: onFt,
    adapterFolder: true,
  });
}

/** A fine-tune of a ViT member as VTHR fine-tunes (same recipe, task and seed drawn from the id). */
function vitFineTune(settings: VthrSettings, id: string, parent: string, lora?: LoraConfig): TrainConfig {
  const task = new Rng(deriveSeed(settings.seed, "zoo", id, parent)).choice(settings.tasks);
  const lr = lora ? settings.fineTune.loraLr : settings.fineTune.lr;
  return vthrFineTuneConfig(settings, task, deriveSeed(settings.seed, "zoo", id), lr, lora);
}

/** Steps and learning rates of the Llama tree's own fine-tunes (a few hundred steps: the chat/instruct SFT scale of the family). */
const LLAMA_ZOO_TRAINING = { steps: 300, warmupSteps: 20, fullLr: 5e-4, loraLr: 3e-3 };

function planLlamaTree(zoo: ZooBuilder, family: readonly FamilyMember[], settings: LlamaFamilySettings): void {
  const tree = family.find((m) => m.parent === undefined)!.id;
  for (const m of family) zoo.add({ id: m.id, tree, make: "trained", ...(m.parent !== undefined ? { parent: m.parent } : {}) });
  const lm = (id: string, corpus: "english" | "chat" | "code" | "python" | "instruct", lora?: LoraConfig): TrainConfig => {
    const seed = deriveSeed(settings.seed, "zoo", id);
    const lr = lora ? LLAMA_ZOO_TRAINING.loraLr : LLAMA_ZOO_TRAINING.fullLr;
    return {
      objective: { kind: "llama-next-token", llama: settings.llama },
      data: { kind: "text", corpus, seed: deriveSeed(seed, "data"), evalFraction: settings.evalFraction },
      seed,
      steps: LLAMA_ZOO_TRAINING.steps,
      batchSize: settings.batchSize,
      optimizer: settings.optimizer,
      lr,
      lrFloor: lr * settings.lrFloorFraction,
      warmupSteps: LLAMA_ZOO_TRAINING.warmupSteps,
      ...(lora ? { lora } : {}),
    };
  };
  const r8: LoraConfig = { rank: 8, alpha: 16, targets: DEFAULT_LORA_TARGETS };
  const r4: LoraConfig = { rank: 4, alpha: 8, targets: DEFAULT_LORA_TARGETS };
  const train = (id: string, parent: string, corpus: Parameters<typeof lm>[1], lora?: LoraConfig, adapterFolder = false) =>
    zoo.add({
      id,
      tree,
      make: "train",
      parent,
      config: lm(id, corpus, lora),
      dtype: "F32",
      ...(lora ? { lora } : {}),
      ...(adapterFolder ? { adapterFolder } : {}),
    });
  const chatLora = train("llama-2-chat-lora", tree, "chat", r8);
  train("llama-2-instruct-lora", tree, "instruct", r4, true);
  train("codellama-python-lora", "codellama", "python", r4, true);
  const codeOfLora = train("llama-2-chat-lora-code", chatLora, "code");
  zoo.add({ id: `${codeOfLora}.Q4_K`, tree, make: "gguf", source: codeOfLora, type: "Q4_K" });
  const linear = zoo.add({
    id: "llama-merge-linear",
    tree,
    make: "merge",
    parents: ["llama-2-chat", "codellama"],
    method: { kind: "linear", weights: [1, 1] },
  });
  zoo.add({
    id: "codellama-merge-task-arithmetic",
    tree,
    make: "merge",
    parents: ["codellama-python", "codellama-instruct"],
    base: "codellama",
    method: { kind: "task-arithmetic", lambda: 0.7 },
  });
  train("llama-merge-linear-instruct", linear, "instruct");
  zoo.add({ id: `${tree}.Q8_0`, tree, make: "gguf", source: tree, type: "Q8_0" });
  zoo.add({ id: "codellama-python.Q4_K", tree, make: "gguf", source: "codellama-python", type: "Q4_K" });
  zoo.add({ id: "codellama-instruct.int8", tree, make: "copy", source: "codellama-instruct", kind: "int8" });
}
