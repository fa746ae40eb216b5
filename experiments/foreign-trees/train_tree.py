"""Trains one model tree with PyTorch, the way other people train theirs, for
experiments/foreign-trees.ts: can `mother recover` recover trees it did not make?

Deliberately NOT our ONNX trainer's recipe: torch default initialisation (nn.Linear's
kaiming-uniform, not trunc-normal 0.02), torch.optim optimizers and lr_scheduler schedules,
procedural tasks that are not the ones in datasets/, new classification heads per fine-tune
(as ViTForImageClassification does), and checkpoints written by hand in the safetensors
format with Hugging Face ViT parameter names.

    /usr/bin/python3 train_tree.py --out DIR --recipe NAME [--quick] [--threads 1]

Writes DIR/<model-id>/{config.json, model.safetensors} for every model of the tree, then
DIR/truth.json ({"models":[{"id","stage","tree"}],"edges":[{"parent","child"}]}, the format
`mother evaluate --truth` reads). Model ids are opaque (recipe + 4 hex digits) so that
nothing in a name or in sort order gives the tree away. Deterministic from the recipe's
seed with one torch thread; resumable: a model whose model.safetensors exists is loaded,
not retrained; every file is written to a temp name and renamed into place.
Progress lines go to stderr.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGE = 16
CHANNELS = 3
ARCH = {"dim": 64, "depth": 4, "heads": 4, "mlp": 256, "patch": 4}

# ---------------------------------------------------------------- procedural tasks
# Each task draws n images (n, 3, 16, 16) in [0, 1] and labels from a numpy Generator.
YY, XX = np.mgrid[0:IMAGE, 0:IMAGE].astype(np.float32)


def _noise(rng, n, scale):
    return scale * rng.random((n, CHANNELS, IMAGE, IMAGE), dtype=np.float32)


def _colours(rng, n, low=0.35):
    return rng.uniform(low, 1.0, (n, CHANNELS, 1, 1)).astype(np.float32)


def task_gratings(rng, n):
    """Orientation of a sine grating: 6 classes, 30 degrees apart."""
    y = rng.integers(0, 6, n)
    theta = y * math.pi / 6 + rng.uniform(-0.12, 0.12, n)
    freq = rng.uniform(0.12, 0.3, n)
    phase = rng.uniform(0, 2 * math.pi, n)
    proj = XX[None] * np.cos(theta)[:, None, None] + YY[None] * np.sin(theta)[:, None, None]
    wave = 0.5 + 0.5 * np.sin(2 * math.pi * freq[:, None, None] * proj + phase[:, None, None])
    return wave[:, None] * _colours(rng, n) + _noise(rng, n, 0.15), y


def task_blob_position(rng, n):
    """Which cell of a 3x3 grid holds a Gaussian blob: 9 classes."""
    y = rng.integers(0, 9, n)
    cx = (y % 3) * 5.0 + 3.0 + rng.uniform(-1, 1, n)
    cy = (y // 3) * 5.0 + 3.0 + rng.uniform(-1, 1, n)
    sigma = rng.uniform(1.2, 2.2, n)
    blob = np.exp(-((XX[None] - cx[:, None, None]) ** 2 + (YY[None] - cy[:, None, None]) ** 2) / (2 * sigma[:, None, None] ** 2))
    return blob[:, None] * _colours(rng, n) + _noise(rng, n, 0.25), y


def _hsv_to_rgb(h, s, v):
    i = np.floor(h * 6).astype(int) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros((len(h), 3), np.float32)
    for k, (r, g, b) in enumerate(table):
        m = i == k
        out[m] = np.stack([r[m], g[m], b[m]], 1)
    return out


def task_hue(rng, n):
    """Dominant hue of a smooth random texture: 6 classes."""
    y = rng.integers(0, 6, n)
    hue = (y / 6 + rng.uniform(-1 / 24, 1 / 24, n)) % 1.0
    rgb = _hsv_to_rgb(hue, rng.uniform(0.6, 1.0, n), np.ones(n))
    coarse = rng.random((n, 1, 4, 4), dtype=np.float32)
    texture = 0.4 + 0.6 * np.kron(coarse, np.ones((1, 1, 4, 4), np.float32))
    return texture * rgb[:, :, None, None] + _noise(rng, n, 0.1), y


def task_count_dots(rng, n):
    """How many 2x2 dots (1-5): 5 classes."""
    y = rng.integers(0, 5, n)
    img = _noise(rng, n, 0.2)
    colour = _colours(rng, n, 0.6)
    for i in range(n):
        cells = rng.choice(25, y[i] + 1, replace=False)
        for c in cells:
            r0, c0 = (c // 5) * 3 + rng.integers(0, 2), (c % 5) * 3 + rng.integers(0, 2)
            img[i, :, r0:r0 + 2, c0:c0 + 2] = colour[i, :, :, :]
    return img, y


GLYPHS = [
    [(0.5, 0, 0.5, 1)],  # 1
    [(0, 0, 1, 0), (1, 0, 0.3, 1)],  # 7
    [(0, 0, 0, 1), (0, 1, 1, 1)],  # L
    [(0, 0, 1, 0), (0.5, 0, 0.5, 1)],  # T
    [(0.5, 0, 0.5, 1), (0, 0.5, 1, 0.5)],  # +
    [(0, 0, 1, 1), (1, 0, 0, 1)],  # X
    [(0, 0, 1, 0), (1, 0, 1, 1), (1, 1, 0, 1), (0, 1, 0, 0)],  # O
    [(0, 0, 1, 0), (1, 0, 0, 1), (0, 1, 1, 1)],  # Z
]


def task_strokes(rng, n):
    """Digit-like glyphs drawn from strokes, random size, place and slant: 8 classes."""
    y = rng.integers(0, len(GLYPHS), n)
    img = _noise(rng, n, 0.2)
    colour = _colours(rng, n, 0.6)
    t = np.linspace(0, 1, 24)
    for i in range(n):
        size = rng.uniform(8, 12)
        x0, y0 = rng.uniform(1, IMAGE - size - 1), rng.uniform(1, IMAGE - size - 1)
        slant = rng.uniform(-0.2, 0.2)
        for (ax, ay, bx, by) in GLYPHS[y[i]]:
            px = x0 + size * (ax + (bx - ax) * t) + slant * size * (ay + (by - ay) * t - 0.5)
            py = y0 + size * (ay + (by - ay) * t)
            px = np.clip(np.round(px).astype(int), 0, IMAGE - 1)
            py = np.clip(np.round(py).astype(int), 0, IMAGE - 1)
            img[i][:, py, px] = colour[i, :, 0, 0][:, None]
    return img, y


def task_texture_scale(rng, n):
    """Checkerboard period 2, 4 or 8, or plain noise: 4 classes."""
    y = rng.integers(0, 4, n)
    img = np.empty((n, CHANNELS, IMAGE, IMAGE), np.float32)
    for i in range(n):
        if y[i] == 3:
            img[i] = rng.random((CHANNELS, IMAGE, IMAGE), dtype=np.float32)
            continue
        period = 2 ** (y[i] + 1)
        ox, oy = rng.integers(0, period, 2)
        board = (((XX + ox) // (period // 2) + (YY + oy) // (period // 2)) % 2).astype(np.float32)
        a, b = rng.uniform(0, 1, (2, CHANNELS, 1, 1)).astype(np.float32)
        img[i] = a * board[None] + b * (1 - board[None])
    return img + _noise(rng, n, 0.15), y


def task_bright_side(rng, n):
    """Which half (left, right, top, bottom) is brighter: 4 classes."""
    y = rng.integers(0, 4, n)
    img = 0.6 * rng.random((n, CHANNELS, IMAGE, IMAGE), dtype=np.float32)
    half = IMAGE // 2
    for i in range(n):
        region = [np.s_[:, :, :half], np.s_[:, :, half:], np.s_[:, :half, :], np.s_[:, half:, :]][y[i]]
        img[i][region] += rng.uniform(0.25, 0.45)
    return img, y


TASKS = {
    "gratings": (task_gratings, 6),
    "blob-position": (task_blob_position, 9),
    "hue": (task_hue, 6),
    "count-dots": (task_count_dots, 5),
    "strokes": (task_strokes, 8),
    "texture-scale": (task_texture_scale, 4),
    "bright-side": (task_bright_side, 4),
}
MIXTURE = "mixture"


def make_data(task, n, seed):
    """(images normalised like an HF image processor, mean 0.5 std 0.5; labels; classes)."""
    rng = np.random.default_rng(seed)
    if task == MIXTURE:
        xs, ys, offset = [], [], 0
        for name, (draw, classes) in TASKS.items():
            x, y = draw(rng, n // len(TASKS))
            xs.append(x)
            ys.append(y + offset)
            offset += classes
        x, y, classes = np.concatenate(xs), np.concatenate(ys), offset
    else:
        draw, classes = TASKS[task]
        x, y = draw(rng, n)
    x = (np.clip(x, 0, 1) - 0.5) / 0.5
    return torch.from_numpy(np.ascontiguousarray(x, np.float32)), torch.from_numpy(y.astype(np.int64)), classes


# ---------------------------------------------------------------- the model, HF ViT names
class SelfAttention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)


class AttentionOutput(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dense = nn.Linear(dim, dim)


class Attention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.attention = SelfAttention(dim)
        self.output = AttentionOutput(dim)


class Dense(nn.Module):
    def __init__(self, a, b):
        super().__init__()
        self.dense = nn.Linear(a, b)


class Layer(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.heads = heads
        self.layernorm_before = nn.LayerNorm(dim, eps=1e-12)
        self.attention = Attention(dim)
        self.layernorm_after = nn.LayerNorm(dim, eps=1e-12)
        self.intermediate = Dense(dim, mlp)
        self.output = Dense(mlp, dim)

    def forward(self, x):
        b, t, d = x.shape
        dh = d // self.heads
        h = self.layernorm_before(x)
        a = self.attention.attention
        q, k, v = (m(h).view(b, t, self.heads, dh).transpose(1, 2) for m in (a.query, a.key, a.value))
        attended = ((q @ k.transpose(-1, -2)) / math.sqrt(dh)).softmax(-1) @ v
        x = x + self.attention.output.dense(attended.transpose(1, 2).reshape(b, t, d))
        return x + self.output.dense(F.gelu(self.intermediate.dense(self.layernorm_after(x))))


class PatchEmbeddings(nn.Module):
    def __init__(self, dim, patch):
        super().__init__()
        self.projection = nn.Conv2d(CHANNELS, dim, patch, patch)


class Embeddings(nn.Module):
    def __init__(self, dim, patch):
        super().__init__()
        tokens = (IMAGE // patch) ** 2 + 1
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.position_embeddings = nn.Parameter(torch.randn(1, tokens, dim) * 0.02)
        self.patch_embeddings = PatchEmbeddings(dim, patch)


class Encoder(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.layer = nn.ModuleList(Layer(a["dim"], a["heads"], a["mlp"]) for _ in range(a["depth"]))


class VitBody(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embeddings = Embeddings(a["dim"], a["patch"])
        self.encoder = Encoder(a)
        self.layernorm = nn.LayerNorm(a["dim"], eps=1e-12)


class VitForImageClassification(nn.Module):
    """state_dict() keys are exactly ViTForImageClassification's."""

    def __init__(self, a, classes):
        super().__init__()
        self.vit = VitBody(a)
        self.classifier = nn.Linear(a["dim"], classes)

    def forward(self, pixels):
        e = self.vit.embeddings
        x = e.patch_embeddings.projection(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([e.cls_token.expand(x.shape[0], -1, -1), x], 1) + e.position_embeddings
        for layer in self.vit.encoder.layer:
            x = layer(x)
        return self.classifier(self.vit.layernorm(x)[:, 0])


def hf_init(module):
    """transformers' ViTPreTrainedModel._init_weights: Linear/Conv2d trunc_normal_(std=0.02)
    (bounds ±2 in absolute units), zero bias; embeddings trunc_normal_(std=0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.trunc_normal_(m.weight, mean=0.0, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, Embeddings):
            nn.init.trunc_normal_(m.cls_token, mean=0.0, std=0.02)
            nn.init.trunc_normal_(m.position_embeddings, mean=0.0, std=0.02)


class LoraLinear(nn.Module):
    """peft's LoRA Linear: W x + dropout(x) Aᵀ Bᵀ · α/r; A kaiming-uniform(a=√5), B zeros."""

    def __init__(self, base, rank, alpha, dropout):
        super().__init__()
        self.base = base
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scaling = alpha / rank
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.base(x) + (self.dropout(x) @ self.lora_A.t() @ self.lora_B.t()) * self.scaling

    def merged(self):
        with torch.no_grad():
            self.base.weight += (self.lora_B @ self.lora_A) * self.scaling
        return self.base


# ---------------------------------------------------------------- safetensors by hand
def _bf16_bits(array):
    """float32 → bfloat16 bit patterns, round to nearest even (as torch's .to(bfloat16))."""
    bits = array.astype("<f4").view("<u4").astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2")


def write_safetensors(path, tensors, dtype):
    """Header: 8-byte LE length + JSON {name: {dtype, shape, data_offsets}} padded with spaces
    to a multiple of 8, then the raw little-endian bytes in header order; tmp + rename."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        array = tensors[name].detach().cpu().contiguous().numpy()
        raw = (_bf16_bits(array) if dtype == "BF16" else array.astype("<f4")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    _write_atomic(path, struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    raw = open(path, "rb").read()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        chunk = raw[8 + size + start:8 + size + end]
        if info["dtype"] == "BF16":
            array = (np.frombuffer(chunk, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(chunk, "<f4")
        out[name] = torch.from_numpy(array.copy().reshape(info["shape"]))
    return out


def _write_atomic(path, data):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


# ---------------------------------------------------------------- recipes
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


# ---------------------------------------------------------------- training
def train(model, params, task, steps, batch, phase, seed, label):
    x, y, _ = make_data(task, SIZE["samples"], seed)
    generator = torch.Generator().manual_seed(seed)
    opt, sched, clip = optimizer_for(phase, params, steps)
    model.train()
    started, losses = time.time(), []
    for step in range(steps):
        idx = torch.randint(0, len(y), (batch,), generator=generator)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        sched.step()
        losses.append(float(loss))
        if not math.isfinite(losses[-1]):
            raise SystemExit(f"train_tree: {label}: loss became {losses[-1]} at step {step}")
    model.eval()
    tx, ty, _ = make_data(task, 512, seed + 7919)
    with torch.no_grad():
        accuracy = float((model(tx).argmax(1) == ty).float().mean())
    tail = sum(losses[-20:]) / len(losses[-20:])
    log(f"{label}: {task}, {steps} steps of {batch}: loss {tail:.3f}, held-out accuracy {accuracy:.2f}, {time.time() - started:.1f} s")


def log(message):
    sys.stderr.write(f"[train_tree] {message}\n")
    sys.stderr.flush()


def save(folder, model, task, classes, dtype, parent):
    os.makedirs(folder, exist_ok=True)
    config = {
        "architectures": ["ViTForImageClassification"], "model_type": "vit", "hidden_size": ARCH["dim"],
        "num_hidden_layers": ARCH["depth"], "num_attention_heads": ARCH["heads"], "intermediate_size": ARCH["mlp"],
        "hidden_act": "gelu", "layer_norm_eps": 1e-12, "image_size": IMAGE, "patch_size": ARCH["patch"], "num_channels": CHANNELS,
        "id2label": {str(i): f"{task}-{i}" for i in range(classes)}, "torch_dtype": "bfloat16" if dtype == "BF16" else "float32",
        "_name_or_path": parent or "",
    }
    _write_atomic(os.path.join(folder, "config.json"), json.dumps(config, indent=1))
    write_safetensors(os.path.join(folder, "model.safetensors"), model.state_dict(), dtype)


def build_tree(out, recipe_name):
    recipe = RECIPES[recipe_name]
    rng = np.random.default_rng(recipe["seed"])
    ids = set()

    def new_id():
        while True:
            mid = f"{recipe_name}-{rng.integers(0, 16 ** 4):04x}"
            if mid not in ids:
                ids.add(mid)
                return mid

    task_names = list(TASKS)
    root = {"id": new_id(), "task": MIXTURE, "parent": None, "stage": "generalization"}
    nodes = [root]
    child_tasks = rng.permutation(task_names)[:SIZE["children"]]
    for c, task in enumerate(child_tasks):
        child = {"id": new_id(), "task": str(task), "parent": root["id"], "stage": "specialization"}
        nodes.append(child)
        for _ in range(SIZE["grandchildren"][c]):
            others = [t for t in task_names if t != task]
            nodes.append({"id": new_id(), "task": str(others[rng.integers(0, len(others))]), "parent": child["id"], "stage": "specialization"})
    for n, node in enumerate(nodes):
        node["seed"] = recipe["seed"] * 1000 + n
        node["steps"] = SIZE["root_steps"] * recipe.get("root_steps_factor", 1) if node["parent"] is None else int(round(SIZE["finetune_steps"] * rng.choice([0.75, 1.0, 1.5])))
        node["batch"] = SIZE["root_batch"] if node["parent"] is None else int(rng.choice([32, 64]))

    for node in nodes:
        folder = os.path.join(out, node["id"])
        if os.path.exists(os.path.join(folder, "model.safetensors")):
            log(f"{node['id']}: cached")
            continue
        torch.manual_seed(node["seed"])
        classes = make_data(node["task"], 8, 0)[2]
        model = VitForImageClassification(ARCH, classes)
        if recipe.get("init") == "hf":
            hf_init(model)
        label = f"{recipe_name} {node['id']} ({'root' if node['parent'] is None else 'from ' + node['parent']})"
        if node["parent"] is None:
            train(model, list(model.parameters()), node["task"], node["steps"], node["batch"], recipe["pretrain"], node["seed"], label)
        else:
            state = read_safetensors(os.path.join(out, node["parent"], "model.safetensors"))
            body = {k: v for k, v in state.items() if not k.startswith("classifier.")}
            missing, _ = model.load_state_dict(body, strict=False)
            assert sorted(missing) == ["classifier.bias", "classifier.weight"], missing
            phase = recipe["finetune"]
            if "lora" in phase:
                train_lora(model, node, phase, label)
            else:
                train(model, list(model.parameters()), node["task"], node["steps"], node["batch"], phase, node["seed"], label)
        save(folder, model, node["task"], classes, recipe["dtype"], node["parent"])

    truth = {
        "recipe": recipe_name,
        "models": [{"id": n["id"], "stage": n["stage"], "tree": recipe_name, "task": n["task"], "steps": n["steps"]} for n in nodes],
        "edges": [{"parent": n["parent"], "child": n["id"]} for n in nodes if n["parent"] is not None],
    }
    _write_atomic(os.path.join(out, "truth.json"), json.dumps(truth, indent=1) + "\n")


def train_lora(model, node, phase, label):
    """LoRA on query and value (peft's default targets for ViT), the new head trained fully
    (peft modules_to_save=["classifier"]), then merged: W + B A · α/r."""
    spec = phase["lora"]
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.vit.encoder.layer:
        a = layer.attention.attention
        a.query = LoraLinear(a.query, spec["rank"], spec["alpha"], spec["dropout"])
        a.value = LoraLinear(a.value, spec["rank"], spec["alpha"], spec["dropout"])
    for p in model.classifier.parameters():
        p.requires_grad_(True)
    params = [p for p in model.parameters() if p.requires_grad]
    train(model, params, node["task"], node["steps"], node["batch"], phase, node["seed"], label)
    for layer in model.vit.encoder.layer:
        a = layer.attention.attention
        a.query, a.value = a.query.merged(), a.value.merged()


def main():
    global SIZE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--recipe", required=True, choices=sorted(RECIPES))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    SIZE = SIZES["quick" if args.quick else "full"]
    os.makedirs(args.out, exist_ok=True)
    build_tree(args.out, args.recipe)


SIZE = SIZES["full"]

if __name__ == "__main__":
    main()
