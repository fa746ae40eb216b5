"""Trains one member of a language-model family with PyTorch — torch's modules, init and
optimizers, not our ONNX trainer — and saves it as a Hugging Face checkpoint (safetensors by
hand, transformers' tensor names). Two architectures:

- llama: LlamaForCausalLM (RMSNorm, rotary q/k/v/o, SiLU-gated MLP, untied lm_head), names
  model.layers.N.self_attn.q_proj.weight …;
- gpt2: GPT2LMHeadModel (LayerNorm, learned positions, Conv1D c_attn/c_proj/c_fc with
  [in, out] weights and biases, GELU, lm_head tied to wte and not saved), names
  transformer.h.N.attn.c_attn.weight ….

Usage: /usr/bin/python3 train_lm.py --job job.json (written by src/harness/families/torch-lm-family.ts):
{arch, config, init, dtype, batch, seed, steps, lr, warmup, lr_floor, optimizer: {kind, wd,
beta1, beta2, clip, momentum, nesterov, alpha}, lora?: {rank, alpha, targets}, corpus, eval_fraction, parent?, out}.
Writes out/model.safetensors, out/config.json and out/result.json ({finalLoss, evals, msPerStep}).
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "foreign-trees"))
from train_tree import LoraLinear, read_safetensors, write_safetensors, _write_atomic  # one safetensors codec for the Python side


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.heads = c["heads"]
        self.q_proj, self.k_proj, self.v_proj, self.o_proj = (nn.Linear(d, d, bias=False) for _ in range(4))

    def forward(self, x, cos, sin):
        b, t, d = x.shape
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") else causal_attention(q, k, v)
        return self.o_proj(y.transpose(1, 2).reshape(b, t, d))


def causal_attention(q, k, v):
    t = q.shape[-2]
    mask = torch.full((t, t), float("-inf")).triu(1)
    return torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + mask, dim=-1) @ v


class LlamaMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["dim"], c["mlp"], bias=False)
        self.up_proj = nn.Linear(c["dim"], c["mlp"], bias=False)
        self.down_proj = nn.Linear(c["mlp"], c["dim"], bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["dim"], c["eps"])
        self.self_attn = LlamaAttention(c)
        self.post_attention_layernorm = RMSNorm(c["dim"], c["eps"])
        self.mlp = LlamaMLP(c)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab"], c["dim"])
        self.layers = nn.ModuleList(LlamaBlock(c) for _ in range(c["depth"]))
        self.norm = RMSNorm(c["dim"], c["eps"])


class LlamaForCausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = LlamaModel(c)
        self.lm_head = nn.Linear(c["dim"], c["vocab"], bias=False)

    def forward(self, ids):
        dh = self.c["dim"] // self.c["heads"]
        inv = 1.0 / (self.c["rope_theta"] ** (torch.arange(0, dh, 2, dtype=torch.float32) / dh))
        emb = torch.outer(torch.arange(ids.shape[1], dtype=torch.float32), inv).repeat(1, 2)
        cos, sin = emb.cos(), emb.sin()
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, cos, sin)
        return self.lm_head(self.model.norm(x))


class Conv1D(nn.Module):
    """transformers' GPT-2 Conv1D: y = x W + b with W [in, out] (a transposed Linear)."""

    def __init__(self, out_features, in_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features).normal_(std=0.02))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(*x.shape[:-1], -1)


class GPT2Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c["heads"]
        self.c_attn = Conv1D(3 * c["dim"], c["dim"])
        self.c_proj = Conv1D(c["dim"], c["dim"])

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        y = causal_attention(split(q), split(k), split(v))
        return self.c_proj(y.transpose(1, 2).reshape(b, t, d))


class GPT2Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c["dim"], eps=c["eps"])
        self.attn = GPT2Attention(c)
        self.ln_2 = nn.LayerNorm(c["dim"], eps=c["eps"])
        self.mlp = nn.Module()
        self.mlp.c_fc = Conv1D(c["mlp"], c["dim"])
        self.mlp.c_proj = Conv1D(c["dim"], c["mlp"])

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT2LMHeadModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = nn.Module()
        self.transformer.wte = nn.Embedding(c["vocab"], c["dim"])
        self.transformer.wpe = nn.Embedding(c["context"], c["dim"])
        self.transformer.h = nn.ModuleList(GPT2Block(c) for _ in range(c["depth"]))
        self.transformer.ln_f = nn.LayerNorm(c["dim"], eps=c["eps"])
        # GPT-2's _init_weights: N(0, 0.02) everywhere, residual projections ÷ √(2 · layers).
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * c["depth"]))
            elif name.endswith("wte.weight") or name.endswith("wpe.weight"):
                nn.init.normal_(p, std=0.02)

    def forward(self, ids):
        t = self.transformer
        x = t.wte(ids) + t.wpe(torch.arange(ids.shape[1]))
        for block in t.h:
            x = block(x)
        return t.ln_f(x) @ t.wte.weight.t()  # tied head


def build(arch, c, init):
    model = LlamaForCausalLM(c) if arch == "llama" else GPT2LMHeadModel(c)
    if init == "hf":  # LlamaPreTrainedModel._init_weights: N(0, initializer_range) for Linear and Embedding
        for name, p in model.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=c["init_std"])
    return model


def hf_config(arch, c, dtype):
    torch_dtype = "bfloat16" if dtype == "BF16" else "float32"
    if arch == "llama":
        return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": c["vocab"], "hidden_size": c["dim"],
                "intermediate_size": c["mlp"], "num_hidden_layers": c["depth"], "num_attention_heads": c["heads"],
                "num_key_value_heads": c["heads"], "max_position_embeddings": c["context"], "rms_norm_eps": c["eps"],
                "rope_theta": c["rope_theta"], "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": torch_dtype}
    return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": c["vocab"], "n_embd": c["dim"], "n_inner": c["mlp"],
            "n_layer": c["depth"], "n_head": c["heads"], "n_positions": c["context"], "layer_norm_epsilon": c["eps"],
            "activation_function": "gelu_new", "tie_word_embeddings": True, "torch_dtype": torch_dtype}


def add_lora(model, lora):
    """peft-style adapters on every Linear/Conv1D whose module name ends with a target; base frozen."""
    for p in model.parameters():
        p.requires_grad_(False)
    adapted = []
    for name, module in list(model.named_modules()):
        if not any(name.endswith(t) for t in lora["targets"]):
            continue
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        if isinstance(module, Conv1D):  # peft wraps GPT-2's Conv1D with fan_in_fan_out: adapt its [out, in] view
            linear = nn.Linear(module.weight.shape[0], module.weight.shape[1])
            linear.weight = nn.Parameter(module.weight.data.t().contiguous(), requires_grad=False)
            linear.bias = nn.Parameter(module.bias.data.clone(), requires_grad=False)
            wrapped = LoraLinear(linear, lora["rank"], lora["alpha"], 0.0)
        else:
            wrapped = LoraLinear(module, lora["rank"], lora["alpha"], 0.0)
        setattr(parent, child, wrapped)
        adapted.append((parent, child, isinstance(module, Conv1D)))
    if not adapted:
        raise SystemExit(f"train_lm: LoRA targets {lora['targets']} match no module")
    return adapted


def merge_lora(adapted):
    for parent, child, conv in adapted:
        linear = getattr(parent, child).merged()
        if conv:
            merged = Conv1D(linear.weight.shape[0], linear.weight.shape[1])
            merged.weight = nn.Parameter(linear.weight.data.t().contiguous())
            merged.bias = nn.Parameter(linear.bias.data)
            setattr(parent, child, merged)
        else:
            setattr(parent, child, linear)


def schedule(warmup, total, floor):
    """Linear warmup, cosine to `floor` × peak at the last step (Llama 2's schedule)."""
    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
    return factor


def make_optimizer(job, params):
    o = job["optimizer"]
    betas = (o.get("beta1", 0.9), o.get("beta2", 0.999))
    if o["kind"] == "adamw":
        opt = torch.optim.AdamW(params, lr=job["lr"], betas=betas, weight_decay=o.get("wd", 0.01))
    elif o["kind"] == "adam":
        opt = torch.optim.Adam(params, lr=job["lr"], betas=betas)
    elif o["kind"] == "sgd":
        opt = torch.optim.SGD(params, lr=job["lr"], momentum=o.get("momentum", 0.9), nesterov=o.get("nesterov", False), weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "rmsprop":  # torch's defaults (α 0.99, no momentum) unless the job sets them
        opt = torch.optim.RMSprop(params, lr=job["lr"], alpha=o.get("alpha", 0.99), momentum=o.get("momentum", 0.0), weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "adagrad":
        opt = torch.optim.Adagrad(params, lr=job["lr"], weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "nadam":
        opt = torch.optim.NAdam(params, lr=job["lr"], betas=betas, weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "radam":
        opt = torch.optim.RAdam(params, lr=job["lr"], betas=betas, weight_decay=o.get("wd", 0.0))
    else:
        raise SystemExit(f"train_lm: unknown optimizer {o['kind']}")
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, schedule(max(1, job["warmup"]), job["steps"], job["lr_floor"])), o.get("clip")


def windows(tokens, batch, context, generator):
    starts = torch.randint(0, len(tokens) - context - 1, (batch,), generator=generator)
    rows = torch.stack([tokens[s:s + context + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--job", required=True)
    job = json.load(open(parser.parse_args().job))
    torch.manual_seed(job["seed"])
    arch, c = job["arch"], job["config"]
    raw = open(job["corpus"], "rb").read()
    tokens = torch.frombuffer(bytearray(raw), dtype=torch.uint8).long()
    split = int(len(tokens) * (1 - job["eval_fraction"]))
    train_tokens, eval_tokens = tokens[:split], tokens[split:]

    model = build(arch, c, job.get("init", "torch"))
    if job.get("parent"):
        state = read_safetensors(os.path.join(job["parent"], "model.safetensors"))
        missing, unexpected = model.load_state_dict(state, strict=False)
        if unexpected or [m for m in missing if m != "lm_head.weight" or arch != "gpt2"]:
            raise SystemExit(f"train_lm: parent checkpoint does not fit (missing {missing}, unexpected {unexpected})")
    adapted = add_lora(model, job["lora"]) if job.get("lora") else None
    params = [p for p in model.parameters() if p.requires_grad]
    opt, sched, clip = make_optimizer(job, params)
    generator = torch.Generator().manual_seed(job["seed"] + 1)
    model.train()
    started, losses = time.time(), []
    for step in range(job["steps"]):
        x, y = windows(train_tokens, job["batch"], c["context"], generator)
        loss = F.cross_entropy(model(x).reshape(-1, c["vocab"]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        sched.step()
        losses.append(float(loss))
        if not math.isfinite(losses[-1]):
            raise SystemExit(f"train_lm: loss became {losses[-1]} at step {step}")
    ms_per_step = 1000 * (time.time() - started) / max(1, job["steps"])
    if adapted:
        merge_lora(adapted)
    model.eval()
    eval_gen = torch.Generator().manual_seed(job["seed"] + 2)
    with torch.no_grad():
        xs, ys = windows(eval_tokens, 64, c["context"], eval_gen)
        eval_loss = float(F.cross_entropy(model(xs).reshape(-1, c["vocab"]), ys.reshape(-1)))
    os.makedirs(job["out"], exist_ok=True)
    tensors = {name: p for name, p in model.state_dict().items() if not (arch == "gpt2" and name == "lm_head.weight")}
    write_safetensors(os.path.join(job["out"], "model.safetensors"), tensors, job["dtype"])
    _write_atomic(os.path.join(job["out"], "config.json"), json.dumps(hf_config(arch, c, job["dtype"]), indent=1))
    tail = losses[-20:]
    result = {"finalLoss": sum(tail) / len(tail), "evals": [{"step": job["steps"], "loss": eval_loss, "examples": 64}], "msPerStep": ms_per_step}
    _write_atomic(os.path.join(job["out"], "result.json"), json.dumps(result))
    sys.stderr.write(f"[train_lm] {job['steps']} steps, loss {result['finalLoss']:.3f}, eval {eval_loss:.3f}, {ms_per_step:.1f} ms/step\n")


if __name__ == "__main__":
    main()
