/**
 * Language-model families trained by PyTorch (experiments/lm-families/train_lm.py): torch's
 * modules, init and optimizers — other people's code — with our code only writing the corpus
 * bytes and reading back the safetensors. Each member is one cached artefact keyed by its job
 * and its parent's key, so an interrupted family resumes at the first missing member.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Artifact, ArtifactStore } from "../artifact-store.ts";
import { corpusTokens } from "../dataset-source.ts";
import type { TrainConfig } from "../../train/train-config.ts";
import type { DataSpec } from "../../train/data-source.ts";

/** A text corpus of datasets/text. */
type TextCorpus = Extract<DataSpec, { kind: "text" }>["corpus"];
import { foreignTrainingFailed } from "../../messages.ts";
import { bug } from "../../errors.ts";

/** The architecture and size of a torch-trained LM (names as in transformers' configs). */
export interface TorchLmConfig {
  readonly vocab: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlp: number;
  readonly context: number;
  readonly eps: number;
  readonly rope_theta: number;
  /** Std of the "hf" init (LlamaPreTrainedModel._init_weights); unused by torch's own init. */
  readonly init_std: number;
  /** Key/value heads (grouped-query attention); absent: as many as `heads`. */
  readonly kv_heads?: number;
  /** Biases on q/k/v (Qwen2). */
  readonly qkv_bias?: boolean;
  /** lm_head is the embedding and is not saved. */
  readonly tied?: boolean;
  /** Attention-probability and residual dropout while training. */
  readonly dropout?: number;
  /** Fraction of each head's dims rotated (partial rotary: Phi, GPT-NeoX); absent: all. */
  readonly rotary_pct?: number;
  /** Mixtral: experts per MoE layer, experts each token is routed to, and the load-balancing loss's weight. */
  readonly experts?: number;
  readonly top_k?: number;
  readonly router_aux?: number;
  /** DeepSeekMoE: always-on shared experts (their MLP is `shared_experts` × `moe_mlp` wide), each routed expert's width, and how many first blocks keep a dense MLP. */
  readonly shared_experts?: number;
  readonly moe_mlp?: number;
  readonly first_dense?: number;
  /** Cohere: the logits' scale. */
  readonly logit_scale?: number;
  /** Mistral's sliding-window attention: each position attends to the last this many positions (itself included). */
  readonly sliding_window?: number;
}

/** One member's training run, as train_lm.py reads it (without paths). */
export interface TorchLmJob {
  readonly trainer: "torch";
  readonly arch: TorchArch;
  readonly config: TorchLmConfig;
  /** "torch": each module's default init (kaiming-uniform Linear, N(0, 1) Embedding); "hf": N(0, init_std). GPT-2 always uses GPT-2's. */
  readonly init: "torch" | "hf";
  readonly dtype: "F32" | "BF16";
  readonly batch: number;
  readonly seed: number;
  readonly steps: number;
  readonly lr: number;
  readonly warmup: number;
  /** The cosine schedule ends at this fraction of the peak. */
  readonly lr_floor: number;
  readonly optimizer: TorchOptimizer;
  readonly lora?: {
    readonly rank: number;
    readonly alpha: number;
    readonly targets: readonly string[];
    readonly dropout?: number;
    /** QLoRA: the adapters train against the NF4-rounded base (lm_preference.py nf4_roundtrip). */
    readonly quantize?: "nf4";
    /** Where a QLoRA adapter is merged: the unquantised weights (a reloaded bf16 base) or the rounded ones. */
    readonly merge_into?: "original" | "dequantized";
  };
  readonly corpus: TextCorpus;
  /** Seeds the chat and instruct corpora's record order (as our trainer's data seed). */
  readonly corpus_seed: number;
  readonly maxBytes?: number;
  readonly eval_fraction: number;
  /** lm_optim.py's schedule (absent: cosine). */
  readonly schedule?: TorchSchedule;
  readonly label_smoothing?: number;
  /** "bf16": the forward runs under CPU bfloat16 autocast (mixed precision; the weights stay float32). */
  readonly autocast?: "bf16";
  /** Micro-batches of `batch` summed per optimizer step (gradient accumulation). */
  readonly accumulate?: number;
  /** The saved weights are an exponential moving average of the trained ones with this decay (EMA releases). */
  readonly ema?: number;
  /** A preference fine-tune: DPO with this β against the frozen starting model (train_lm.py dpo_loss). */
  readonly dpo?: { readonly beta: number; readonly label_smoothing?: number };
  /** ORPO (no reference model): the chosen answer's NLL + λ × the odds-ratio loss. */
  readonly orpo?: { readonly lambda: number };
  /** KTO with this β against the frozen starting model (unpaired desirable/undesirable answers). */
  readonly kto?: { readonly beta: number };
  /** SimPO (no reference model): −log σ(β · mean-token log-ratio of chosen to rejected − γ). */
  readonly simpo?: { readonly beta: number; readonly gamma: number };
  /** IPO against the frozen starting model (TRL's length-averaged form), τ the regularisation. */
  readonly ipo?: { readonly tau: number };
  /** A uniform model soup: one run per learning-rate scale (seed + i, each from the parent), the release their mean. */
  readonly soup?: { readonly lr_scales: readonly number[] };
  /** Added tokens: `config.vocab` is the parent's plus this many, the new embedding (and head) rows start at the old rows' mean. */
  readonly resize_vocab?: number;
  /** Knowledge distillation from `teacher`, another member of the family (its id; train_lm.py gets its folder). */
  readonly distill?: { readonly teacher: string; readonly temperature: number; readonly alpha: number };
  /** Layer freezing: parameters whose name contains one of these stay as loaded. */
  readonly freeze?: readonly string[];
  /** Checkpoint averaging: the release is the mean of the last `count` checkpoints, one every `every` steps. */
  readonly average_last?: { readonly every: number; readonly count: number };
  /** Quantisation-aware training: block weights fake-quantised (symmetric int `bits` per `group` inputs) in every step; the release is the float weights or their rounding. */
  readonly qat?: { readonly bits: number; readonly group: number; readonly release: "master" | "grid" };
  /** Layer-wise learning-rate decay: block i of L at the peak × decay^(L − i), the embeddings decay^(L + 1). */
  readonly lr_layer_decay?: number;
}

/**
 * The architectures of lm_models.py (names as transformers'): Llama and its Mistral, Qwen2, Gemma
 * and OLMo variants, GPT-2, lm_parallel.py's parallel-block Phi, GPT-NeoX and Falcon, and
 * lm_hub.py's Mixtral (mixture of experts), StableLM 2, Starcoder2, BLOOM (ALiBi) and GPT-J, and lm_hub2.py's Phi-3
 * and InternLM2 (fused projections), GPT-BigCode (multi-query), OPT, Cohere and DeepSeekMoE (shared experts).
 */
export type TorchArch =
  | "llama"
  | "mistral"
  | "qwen2"
  | "gemma"
  | "olmo"
  | "gpt2"
  | "phi"
  | "gpt_neox"
  | "falcon"
  | "mixtral"
  | "stablelm"
  | "starcoder2"
  | "bloom"
  | "gptj"
  | "phi3"
  | "internlm2"
  | "gpt_bigcode"
  | "opt"
  | "cohere"
  | "deepseek";

/** lm_optim.py's learning-rate schedules, each after a linear warmup. */
export type TorchSchedule = "cosine" | "linear" | "constant" | "wsd" | "inverse-sqrt" | "cosine-restarts";

/** A torch.optim optimizer and its settings, as train_lm.py reads them (absent: torch's defaults; `clip`: global gradient-norm clip). */
export interface TorchOptimizer {
  /** lion, adafactor, lamb, muon, adamw-schedulefree and sophia are written in torch in lm_optim.py (torch 1.13 has none of them). */
  readonly kind:
    | "adamw"
    | "adam"
    | "sgd"
    | "rmsprop"
    | "adagrad"
    | "nadam"
    | "radam"
    | "adamax"
    | "lion"
    | "adafactor"
    | "lamb"
    | "muon"
    | "adamw-schedulefree"
    | "sophia";
  readonly wd?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  /** SGD's and RMSprop's momentum. */
  readonly momentum?: number;
  readonly nesterov?: boolean;
  /** RMSprop's smoothing constant of the squared-gradient average. */
  readonly alpha?: number;
  readonly clip?: number;
  /** Sophia: the Hessian clip ρ and how many steps between Hessian estimates. */
  readonly rho?: number;
  readonly every?: number;
}

/** Bump when train_lm.py changes what a job produces. */
export const TORCH_LM_TRAINER_VERSION = 1;

/** The trainer script. */
export const TORCH_LM_TRAINER = join(import.meta.dir, "..", "..", "..", "experiments", "lm-families", "train_lm.py");

/** Who trains a planned LM member when it is not our ONNX trainer. */
export interface TorchTraining {
  readonly arch: TorchArch;
  readonly init: "torch" | "hf";
  /** A torch optimizer our trainer has no counterpart of (RMSprop, Adagrad, NAdam, RAdam, Lion, Adafactor): replaces the config's. */
  readonly optimizer?: TorchOptimizer;
  /** Shape beyond our LlamaConfig (grouped-query attention, q/k/v biases, tied head, dropout). */
  readonly shape?: Partial<
    Pick<
      TorchLmConfig,
      | "kv_heads"
      | "qkv_bias"
      | "tied"
      | "dropout"
      | "rotary_pct"
      | "experts"
      | "top_k"
      | "router_aux"
      | "shared_experts"
      | "moe_mlp"
      | "first_dense"
      | "logit_scale"
      | "sliding_window"
      // A member's own context, rotary base or vocabulary over the family's (long-context training, added tokens).
      | "context"
      | "rope_theta"
      | "vocab"
    >
  >;
  /** Loop settings beyond our TrainConfig (`batch`: a member's own, e.g. fewer, longer sequences). */
  readonly loop?: Pick<
    TorchLmJob,
    | "schedule"
    | "label_smoothing"
    | "autocast"
    | "accumulate"
    | "ema"
    | "dpo"
    | "orpo"
    | "kto"
    | "distill"
    | "simpo"
    | "ipo"
    | "soup"
    | "resize_vocab"
    | "freeze"
    | "average_last"
    | "qat"
    | "lr_layer_decay"
  > & { readonly batch?: number };
  /** peft's lora_dropout of this member's adapters. */
  readonly loraDropout?: number;
  /** QLoRA: this member's adapters train against the NF4-rounded base and merge into `mergeInto`. */
  readonly qlora?: { readonly mergeInto: "original" | "dequantized" };
}

/** A member to train: id, parent id, job. */
export interface TorchLmMember {
  readonly id: string;
  readonly parent?: string;
  readonly job: TorchLmJob;
}

/** The torch job of a planned LM run (`config` as our trainer would run it, executed by train_lm.py instead). */
export function torchJob(config: TrainConfig, training: TorchTraining, dtype: "F32" | "BF16"): TorchLmJob {
  if (config.objective.kind !== "llama-next-token" || config.data.kind !== "text") bug("torch families train next-token LMs on text");
  const llama = config.objective.llama;
  const optimizer = config.optimizer;
  return {
    trainer: "torch",
    arch: training.arch,
    config: {
      vocab: llama.vocabSize,
      dim: llama.dim,
      depth: llama.depth,
      heads: llama.heads,
      mlp: llama.mlpDim,
      context: llama.contextLength,
      eps: llama.rmsNormEps,
      rope_theta: llama.ropeTheta,
      init_std: llama.initializerRange,
      ...training.shape,
    },
    init: training.init,
    dtype,
    batch: config.batchSize,
    seed: config.seed,
    steps: config.steps,
    lr: config.lr,
    warmup: config.warmupSteps,
    lr_floor: (config.lrFloor ?? 0) / config.lr,
    // Fields only when set, so the jobs (cache keys) of families trained before a field existed stay the same.
    optimizer: training.optimizer ?? {
      kind: optimizer.kind,
      ...(optimizer.weightDecay !== undefined ? { wd: optimizer.weightDecay } : {}),
      ...(optimizer.beta1 !== undefined ? { beta1: optimizer.beta1 } : {}),
      ...(optimizer.beta2 !== undefined ? { beta2: optimizer.beta2 } : {}),
      ...(optimizer.momentum !== undefined ? { momentum: optimizer.momentum } : {}),
      ...(optimizer.nesterov !== undefined ? { nesterov: optimizer.nesterov } : {}),
      ...(optimizer.clipGradNorm !== undefined ? { clip: optimizer.clipGradNorm } : {}),
    },
    ...(config.lora
      ? {
          lora: {
            rank: config.lora.rank,
            alpha: config.lora.alpha,
            // Llama-shaped names are the recipe's own (q/v, or every linear layer); GPT-2 fuses q/k/v into c_attn.
            targets: training.arch === "gpt2" ? ["attn.c_attn"] : config.lora.targets,
            ...(training.loraDropout !== undefined ? { dropout: training.loraDropout } : {}),
            ...(training.qlora ? { quantize: "nf4" as const, merge_into: training.qlora.mergeInto } : {}),
          },
        }
      : {}),
    corpus: config.data.corpus,
    corpus_seed: config.data.seed,
    ...(config.data.maxBytes !== undefined ? { maxBytes: config.data.maxBytes } : {}),
    eval_fraction: config.data.evalFraction ?? 0.1,
    ...training.loop,
  };
}

/** Trains (or finds) every member, parents first; returns id → artefact (model.safetensors, config.json, result.json). */
export async function trainTorchFamily(
  members: readonly TorchLmMember[],
  options: { readonly store: ArtifactStore; readonly python: string; readonly log?: (line: string) => void },
): Promise<Map<string, Artifact>> {
  const done = new Map<string, Artifact>();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const member of members) {
    const parent = member.parent === undefined ? undefined : done.get(member.parent);
    if (member.parent !== undefined && !parent) bug(`torch family: ${member.id} listed before its parent ${member.parent}`);
    const corpus = await corpusFile(options.store, member.job.corpus, member.job.maxBytes, member.job.corpus_seed);
    const teacher = member.job.distill === undefined ? undefined : done.get(member.job.distill.teacher);
    if (member.job.distill !== undefined && !teacher) bug(`torch family: ${member.id} listed before its teacher ${member.job.distill.teacher}`);
    const artifact = await options.store.get(
      "torch-lm",
      torchLmKey(member.job, teacher?.key),
      async (folder) => {
        log(`[torch-lm] ${member.id}: ${member.job.steps} steps (${member.job.arch}, dim ${member.job.config.dim}, depth ${member.job.config.depth})`);
        const jobPath = join(folder, "job.json");
        const distill = member.job.distill && teacher ? { distill: { ...member.job.distill, teacher: teacher.path } } : {};
        await Bun.write(jobPath, JSON.stringify({ ...member.job, ...distill, corpus: corpus.path, parent: parent?.path ?? null, out: folder }));
        // One torch/BLAS thread: the machine's other core belongs to the next job.
        const env = { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
        const proc = Bun.spawn([options.python, TORCH_LM_TRAINER, "--job", jobPath], { stdout: "inherit", stderr: "inherit", env });
        const code = await proc.exited;
        if (code !== 0 || !existsSync(join(folder, "model.safetensors"))) throw foreignTrainingFailed(TORCH_LM_TRAINER, member.id, code);
      },
      { label: member.id, ...(parent ? { parent } : {}) },
    );
    done.set(member.id, artifact);
  }
  return done;
}

/** The cache config of a member's artefact: trainer version and job, and a distilled member's teacher's key (its weights are part of the recipe). */
export function torchLmKey(job: TorchLmJob, teacherKey?: string): { version: number; job: TorchLmJob; teacher?: string } {
  return { version: TORCH_LM_TRAINER_VERSION, job, ...(teacherKey !== undefined ? { teacher: teacherKey } : {}) };
}

/** The corpus's bytes as one file artefact (what train_lm.py reads). */
async function corpusFile(store: ArtifactStore, corpus: TextCorpus, maxBytes: number | undefined, seed: number): Promise<Artifact> {
  return store.get(
    "lm-corpus",
    { corpus, maxBytes: maxBytes ?? null, seed: corpus === "chat" || corpus === "instruct" ? seed : null },
    async (path) => {
      await Bun.write(path, corpusTokens(corpus, maxBytes, seed));
    },
    { extension: "bin", label: corpus },
  );
}

/** result.json of a torch member (the same shape as our trainer's TrainSummary). */
export async function torchResult(artifact: Artifact): Promise<unknown> {
  return JSON.parse(await readFile(join(artifact.path, "result.json"), "utf8"));
}
