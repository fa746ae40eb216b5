"""The decoder LMs train_lm.py trains, written with torch's modules and named as transformers
names them, so the saved checkpoints read like hub releases:

- llama / mistral / qwen2: LlamaForCausalLM-shaped (RMSNorm, rotary q/k/v/o, SiLU-gated MLP),
  names model.layers.N.self_attn.q_proj.weight …; config keys `kv_heads` (grouped-query
  attention: Mistral, Qwen2), `qkv_bias` (biases on q/k/v: Qwen2), `tied` (lm_head = the
  embedding, not saved: Qwen2-0.5B, Llama 3.2 1B) and `dropout` (attention and residual
  dropout); absent keys give the plain Llama of sets 0–3, module for module and init draw
  for init draw;
- gemma / olmo: the same module tree with Gemma's changes (RMSNorm scaled by 1 + w with w
  initialised to 0, a GELU-gated MLP (GeGLU), embeddings × √dim) or OLMo's (LayerNorm with
  no parameters at all: the checkpoint has no norm tensors);
- phi / gpt_neox / falcon: parallel attention and MLP blocks (lm_parallel.py);
- mixtral / stablelm / starcoder2 / bloom / gptj: held-out set 6's hub decoders (lm_hub.py);
- phi3 / internlm2 / gpt_bigcode / opt / cohere / deepseek: held-out set 7's (lm_hub2.py);
- gpt2: GPT2LMHeadModel (LayerNorm, learned positions, Conv1D c_attn/c_proj/c_fc with
  [in, out] weights and biases, GELU, lm_head tied to wte and not saved), names
  transformer.h.N.attn.c_attn.weight ….
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "foreign-trees"))
from train_tree import LoraLinear  # peft's LoRA Linear, shared with the ViT trees
from lm_parallel import PARALLEL, ParallelForCausalLM, parallel_config  # noqa: E402
from lm_hub import HUB, HubForCausalLM, hub_config, hub_tied  # noqa: E402
from lm_hub2 import HUB2, Hub2ForCausalLM, hub2_config, hub2_tied  # noqa: E402


def _dropout(x, p, training):
    """Dropout only when asked: p = 0 draws no random numbers (the older families' runs stay bit-identical)."""
    return F.dropout(x, p, training) if p > 0 else x


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class GemmaRMSNorm(nn.Module):
    """Gemma's RMSNorm: the scale is 1 + w, w initialised to 0 (what the checkpoint stores)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dim))
        self.eps = eps

    def forward(self, x):
        return (1 + self.weight) * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class NonParametricLayerNorm(nn.Module):
    """OLMo's layer norm: no weight, no bias (nothing saved)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x):
        return F.layer_norm(x, (self.dim,), eps=self.eps)


def norm_of(c):
    """The block norm of a Llama-shaped variant (c["variant"] set by build)."""
    return {"gemma": GemmaRMSNorm, "olmo": NonParametricLayerNorm}.get(c.get("variant"), RMSNorm)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.heads = c["heads"]
        self.kv_heads = c.get("kv_heads", c["heads"])
        self.dropout = c.get("dropout", 0.0)
        self.window = c.get("sliding_window")
        kv, bias = self.kv_heads * (d // self.heads), c.get("qkv_bias", False)
        # Created q, k, v, o in this order, as before: without kv_heads/qkv_bias the init draws are the plain Llama's.
        self.q_proj, self.k_proj, self.v_proj = nn.Linear(d, d, bias=bias), nn.Linear(d, kv, bias=bias), nn.Linear(d, kv, bias=bias)
        self.o_proj = nn.Linear(d, d, bias=False)

    def forward(self, x, cos, sin):
        b, t, d = x.shape
        split = lambda y, h: y.view(b, t, h, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q_proj(x), self.heads), split(self.k_proj(x), self.kv_heads), split(self.v_proj(x), self.kv_heads)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        if self.kv_heads != self.heads:  # grouped-query attention: each k/v head serves heads / kv_heads query heads
            k, v = (y.repeat_interleave(self.heads // self.kv_heads, dim=1) for y in (k, v))
        if hasattr(F, "scaled_dot_product_attention") and self.window is None:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True)
        else:
            y = causal_attention(q, k, v, self.dropout if self.training else 0.0, self.window)
        return _dropout(self.o_proj(y.transpose(1, 2).reshape(b, t, d)), self.dropout, self.training)


def causal_attention(q, k, v, dropout=0.0, window=None):
    """Causal attention; with `window`, each position sees only the last `window` positions, itself included (Mistral's sliding window)."""
    t = q.shape[-2]
    mask = torch.full((t, t), float("-inf")).triu(1)
    if window is not None:
        mask = mask + torch.full((t, t), float("-inf")).tril(-window)
    return _dropout(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + mask, dim=-1), dropout, True) @ v


class LlamaMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["dim"], c["mlp"], bias=False)
        self.up_proj = nn.Linear(c["dim"], c["mlp"], bias=False)
        self.down_proj = nn.Linear(c["mlp"], c["dim"], bias=False)
        self.dropout = c.get("dropout", 0.0)
        self.act = (lambda y: F.gelu(y, approximate="tanh")) if c.get("variant") == "gemma" else F.silu  # GeGLU (Gemma) or SwiGLU

    def forward(self, x):
        return _dropout(self.down_proj(self.act(self.gate_proj(x)) * self.up_proj(x)), self.dropout, self.training)


class LlamaBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = norm_of(c)(c["dim"], c["eps"])
        self.self_attn = LlamaAttention(c)
        self.post_attention_layernorm = norm_of(c)(c["dim"], c["eps"])
        self.mlp = LlamaMLP(c)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class LlamaModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab"], c["dim"])
        self.layers = nn.ModuleList(LlamaBlock(c) for _ in range(c["depth"]))
        self.norm = norm_of(c)(c["dim"], c["eps"])


class LlamaForCausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = LlamaModel(c)
        # Tied: the head is the embedding (no lm_head tensor, as transformers saves tie_word_embeddings models).
        self.lm_head = None if c.get("tied") else nn.Linear(c["dim"], c["vocab"], bias=False)

    def forward(self, ids):
        dh = self.c["dim"] // self.c["heads"]
        inv = 1.0 / (self.c["rope_theta"] ** (torch.arange(0, dh, 2, dtype=torch.float32) / dh))
        emb = torch.outer(torch.arange(ids.shape[1], dtype=torch.float32), inv).repeat(1, 2)
        cos, sin = emb.cos(), emb.sin()
        x = self.model.embed_tokens(ids)
        if self.c.get("variant") == "gemma":  # Gemma scales the embeddings by √dim (the tied head reads them unscaled)
            x = x * math.sqrt(self.c["dim"])
        for layer in self.model.layers:
            x = layer(x, cos, sin)
        h = self.model.norm(x)
        return h @ self.model.embed_tokens.weight.t() if self.lm_head is None else self.lm_head(h)


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


LLAMA_LIKE = {
    "llama": "LlamaForCausalLM",
    "mistral": "MistralForCausalLM",
    "qwen2": "Qwen2ForCausalLM",
    "gemma": "GemmaForCausalLM",
    "olmo": "OlmoForCausalLM",
}


def build(arch, c, init):
    if arch in HUB or arch in HUB2:  # transformers' init only (the hub modules draw it)
        if init != "hf":
            raise SystemExit(f"train_lm: {arch} is built with the hf init only")
        return HubForCausalLM(arch, c) if arch in HUB else Hub2ForCausalLM(arch, c)
    if arch in PARALLEL:
        model = ParallelForCausalLM(arch, c)
    else:
        # gemma and olmo are Llama's module tree with their norm/MLP/embedding changes; llama, mistral, qwen2 get no variant key.
        model = GPT2LMHeadModel(c) if arch == "gpt2" else LlamaForCausalLM({**c, "variant": arch} if arch in ("gemma", "olmo") else c)
    if init == "hf":  # LlamaPreTrainedModel._init_weights: N(0, initializer_range) for Linear and Embedding, Linear biases 0
        for name, p in model.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=c["init_std"])
            elif name.endswith(("q_proj.bias", "k_proj.bias", "v_proj.bias")) or (arch in PARALLEL and name in model.linear_biases):
                nn.init.zeros_(p)
    return model


def tied(arch, c):
    """Whether the checkpoint has no lm_head (the head is the embedding)."""
    if arch in HUB2:
        return hub2_tied(arch, c)
    return hub_tied(arch, c) if arch in HUB else arch in ("gpt2", "gemma", "falcon") or bool(c.get("tied"))


def hf_config(arch, c, dtype):
    torch_dtype = "bfloat16" if dtype == "BF16" else "float32"
    if arch in LLAMA_LIKE:
        config = {"architectures": [LLAMA_LIKE[arch]], "model_type": arch, "vocab_size": c["vocab"], "hidden_size": c["dim"],
                  "intermediate_size": c["mlp"], "num_hidden_layers": c["depth"], "num_attention_heads": c["heads"],
                  "num_key_value_heads": c.get("kv_heads", c["heads"]), "max_position_embeddings": c["context"], "rms_norm_eps": c["eps"],
                  "rope_theta": c["rope_theta"], "hidden_act": "silu", "tie_word_embeddings": bool(c.get("tied")), "torch_dtype": torch_dtype}
        if "dropout" in c:
            config["attention_dropout"] = c["dropout"]
        if "sliding_window" in c:
            config["sliding_window"] = c["sliding_window"]
        if arch == "gemma":
            config.update(hidden_act="gelu_pytorch_tanh", head_dim=c["dim"] // c["heads"], tie_word_embeddings=True)
        if arch == "olmo":
            config.update(attention_bias=False, clip_qkv=None)
        return config
    if arch in PARALLEL:
        return parallel_config(arch, c, torch_dtype)
    if arch in HUB:
        return hub_config(arch, c, torch_dtype)
    if arch in HUB2:
        return hub2_config(arch, c, torch_dtype)
    return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": c["vocab"], "n_embd": c["dim"], "n_inner": c["mlp"],
            "n_layer": c["depth"], "n_head": c["heads"], "n_positions": c["context"], "layer_norm_epsilon": c["eps"],
            "activation_function": "gelu_new", "tie_word_embeddings": True, "torch_dtype": torch_dtype}


def add_lora(model, lora):
    """peft-style adapters on every Linear/Conv1D whose module name ends with a target; base frozen; `dropout` on the adapter's input."""
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
            wrapped = LoraLinear(linear, lora["rank"], lora["alpha"], lora.get("dropout", 0.0))
        else:
            wrapped = LoraLinear(module, lora["rank"], lora["alpha"], lora.get("dropout", 0.0))
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
