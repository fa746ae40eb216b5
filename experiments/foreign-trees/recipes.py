"""The PyTorch recipes train_tree.py trains trees with (src/harness/foreign/foreign-recipes.ts lists
them for the TypeScript side), their torch.optim optimizers and transformers-style schedules, and
the sizes of the full and quick presets.
"""
import math

import torch


def cosine_with_warmup(warmup, total):
    """transformers' get_cosine_schedule_with_warmup, as a LambdaLR factor."""
    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
    return factor


def linear_decay(warmup, total):
    """transformers' get_linear_schedule_with_warmup (the Trainer's default)."""
    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return factor


def optimizer_for(kind, params, steps):
    """(optimizer, scheduler, clip) for one training run of a recipe phase."""
    name = kind["optimizer"]
    if name == "adamw":
        opt = torch.optim.AdamW(params, lr=kind["lr"], weight_decay=kind["wd"])
    elif name == "adam":
        opt = torch.optim.Adam(params, lr=kind["lr"])
    elif name == "sgd":
        opt = torch.optim.SGD(params, lr=kind["lr"], momentum=0.9, weight_decay=kind.get("wd", 0.0))
    else:
        raise ValueError(name)
    schedule = kind["schedule"]
    warmup = int(kind.get("warmup", 0.0) * steps)
    if schedule == "cosine":
        sched = torch.optim.lr_scheduler.LambdaLR(opt, cosine_with_warmup(max(1, warmup), steps))
    elif schedule == "linear":
        sched = torch.optim.lr_scheduler.LambdaLR(opt, linear_decay(max(1, warmup), steps))
    elif schedule == "multistep":
        sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[steps // 2, (3 * steps) // 4], gamma=0.1)
    elif schedule == "constant":
        sched = torch.optim.lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0)
    else:
        raise ValueError(schedule)
    return opt, sched, kind.get("clip")


ADAMW_COSINE = {"optimizer": "adamw", "lr": 1e-3, "wd": 0.05, "schedule": "cosine", "warmup": 0.1, "clip": 1.0}
# Each recipe: how the root is pre-trained, how children/grandchildren are fine-tuned, the
# dtype of the saved checkpoints, and the seed the whole tree derives from.
RECIPES = {
    "adamw-cosine": {"seed": 101, "pretrain": ADAMW_COSINE, "finetune": ADAMW_COSINE, "dtype": "F32"},
    "sgd-momentum": {
        "seed": 202,
        "pretrain": {"optimizer": "sgd", "lr": 0.05, "schedule": "multistep"},
        "finetune": {"optimizer": "sgd", "lr": 0.05, "schedule": "multistep"},
        "dtype": "F32",
    },
    "adam-constant": {
        "seed": 303,
        "pretrain": {"optimizer": "adam", "lr": 3e-4, "schedule": "constant"},
        "finetune": {"optimizer": "adam", "lr": 3e-4, "schedule": "constant"},
        "dtype": "F32",
    },
    "lora-qv": {
        "seed": 404,
        "pretrain": ADAMW_COSINE,
        # peft's image-classification example: lr 5e-3 is theirs for batch 128; 2e-3 here.
        "finetune": {"optimizer": "adamw", "lr": 2e-3, "wd": 0.01, "schedule": "linear", "warmup": 0.05, "lora": {"rank": 8, "alpha": 16, "dropout": 0.1}},
        "dtype": "F32",
    },
    # Control for the initialisation: (a)'s optimizer, but ViTForImageClassification._init_weights
    # (trunc_normal std 0.02 — with transformers' absolute ±2 bounds, practically a normal —
    # zero biases) instead of torch's kaiming-uniform, for the root and every new head.
    "adamw-hf-init": {"seed": 707, "init": "hf", "pretrain": ADAMW_COSINE, "finetune": ADAMW_COSINE, "dtype": "F32"},
    # Control for how long the root was pre-trained: (a) with a root trained 5x longer.
    "adamw-long-root": {"seed": 808, "root_steps_factor": 5, "pretrain": ADAMW_COSINE, "finetune": ADAMW_COSINE, "dtype": "F32"},
    "adamw-bf16": {"seed": 505, "pretrain": ADAMW_COSINE, "finetune": ADAMW_COSINE, "dtype": "BF16"},
    # transformers.Trainer's defaults: AdamW lr 5e-5, no weight decay, linear decay, no warmup.
    "hf-trainer-defaults": {
        "seed": 606,
        "pretrain": ADAMW_COSINE,
        "finetune": {"optimizer": "adamw", "lr": 5e-5, "wd": 0.0, "schedule": "linear", "clip": 1.0},
        "dtype": "F32",
    },
}

SIZES = {
    # root pre-training steps, fine-tune steps (each run draws 0.75x-1.5x), samples per task
    "full": {"root_steps": 1000, "root_batch": 32, "finetune_steps": 250, "samples": 4096, "children": 4, "grandchildren": [2, 1, 1, 0]},
    "quick": {"root_steps": 100, "root_batch": 32, "finetune_steps": 40, "samples": 512, "children": 2, "grandchildren": [1, 0]},
}
