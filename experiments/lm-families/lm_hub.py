"""Five more hub decoders (held-out set 6), written with torch's modules and named as
transformers names them:

- mixtral:    MixtralForCausalLM: Llama's attention (grouped-query) and RMSNorm, the MLP a sparse
              mixture of experts: block_sparse_moe.gate (the router, no bias) and
              block_sparse_moe.experts.E.{w1, w3, w2} (SwiGLU experts), top-k routing with
              renormalised weights, plus the switch-style load-balancing loss (router_aux_loss_coef);
- stablelm:   StableLmForCausalLM (StableLM 2): LayerNorm with biases, q/k/v with biases, o_proj
              without, SwiGLU gate/up/down, partial rotary (partial_rotary_factor), untied lm_head;
- starcoder2: Starcoder2ForCausalLM: LayerNorm with biases, q/k/v/o with biases, mlp.c_fc / c_proj
              (nn.Linear with biases, GELU tanh), grouped-query, head tied to the embedding;
- bloom:      BloomForCausalLM: word_embeddings_layernorm, ALiBi (no rotary, no positions), fused
              query_key_value laid out head by head ([q, k, v] of head 0, …) with biases,
              dense_h_to_4h / dense_4h_to_h (GELU tanh), ln_f, head tied;
- gptj:       GPTJForCausalLM: one ln_1 feeding attention and MLP in parallel, q/k/v/out_proj
              without biases, fc_in / fc_out with biases (gelu_new), rotary on the first
              rotary_dim dims of each head, interleaved (rotate_every_two), lm_head with a bias.
Config keys: `experts`, `top_k`, `kv_heads`, `rotary_pct`, `tied`. Init ("hf" only): N(0, init_std)
for every matrix, zero biases, LayerNorms at 1/0 — transformers' _init_weights.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import lm_models  # RMSNorm, LlamaMLP, rotate_half (read at call time: lm_models imports this module)

HUB = ("mixtral", "stablelm", "starcoder2", "bloom", "gptj")
HF_NAMES = {"mixtral": "MixtralForCausalLM", "stablelm": "StableLmForCausalLM", "starcoder2": "Starcoder2ForCausalLM",
            "bloom": "BloomForCausalLM", "gptj": "GPTJForCausalLM"}


def _rot_dims(c):
    dh = c["dim"] // c["heads"]
    return 2 * int(dh * c.get("rotary_pct", 1.0) / 2)


def _rotary(x, positions_cos, positions_sin, rot, interleaved):
    """Rotary on the first `rot` dims of each head: halves (Llama, StableLM) or neighbouring pairs (GPT-J's rotate_every_two)."""
    head, rest = x[..., :rot], x[..., rot:]
    if interleaved:
        cos, sin = positions_cos.repeat_interleave(2, dim=-1), positions_sin.repeat_interleave(2, dim=-1)
        turned = torch.stack((-head[..., 1::2], head[..., ::2]), dim=-1).flatten(-2)
    else:
        cos, sin = positions_cos.repeat(1, 2), positions_sin.repeat(1, 2)
        turned = lm_models.rotate_half(head)
    return torch.cat((head * cos + turned * sin, rest), dim=-1)


def _attend(q, k, v, bias=None):
    """Causal softmax attention, with an additive per-head bias (ALiBi) if given."""
    t = q.shape[-2]
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + torch.full((t, t), float("-inf")).triu(1)
    return torch.softmax(scores if bias is None else scores + bias, dim=-1) @ v


class HubAttention(nn.Module):
    """Separate q/k/v and an output projection; grouped-query; (partial, interleaved) rotary."""

    def __init__(self, arch, c):
        super().__init__()
        d, h = c["dim"], c["heads"]
        self.heads, self.kv_heads = h, c.get("kv_heads", h)
        kv = self.kv_heads * (d // h)
        qkv_bias, o_bias = arch in ("stablelm", "starcoder2"), arch == "starcoder2"
        self.q_proj, self.k_proj, self.v_proj = nn.Linear(d, d, bias=qkv_bias), nn.Linear(d, kv, bias=qkv_bias), nn.Linear(d, kv, bias=qkv_bias)
        self.out_name = "out_proj" if arch == "gptj" else "o_proj"
        setattr(self, self.out_name, nn.Linear(d, d, bias=o_bias))
        self.rot, self.interleaved = _rot_dims(c), arch == "gptj"

    def forward(self, x, cos, sin):
        b, t, d = x.shape
        split = lambda y: y.view(b, t, -1, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        q, k = (_rotary(y, cos, sin, self.rot, self.interleaved) for y in (q, k))
        if self.kv_heads != self.heads:
            k, v = (y.repeat_interleave(self.heads // self.kv_heads, dim=1) for y in (k, v))
        return getattr(self, self.out_name)(_attend(q, k, v).transpose(1, 2).reshape(b, t, d))


def alibi_slopes(heads):
    """ALiBi's head slopes (Press et al. 2022): 2^(−8i/n), i = 1…n, for n a power of two."""
    return torch.tensor([2 ** (-8 * (i + 1) / heads) for i in range(heads)])


class BloomAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c["heads"]
        self.query_key_value = nn.Linear(c["dim"], 3 * c["dim"])
        self.dense = nn.Linear(c["dim"], c["dim"])

    def forward(self, x, cos, sin):
        b, t, d = x.shape
        dh = d // self.heads
        q, k, v = (y.transpose(1, 2) for y in self.query_key_value(x).view(b, t, self.heads, 3 * dh).split(dh, dim=-1))
        distance = torch.arange(t).view(1, t) - torch.arange(t).view(t, 1)  # key − query position (≤ 0 where attended)
        bias = alibi_slopes(self.heads).view(-1, 1, 1) * distance
        return self.dense(_attend(q, k, v, bias).transpose(1, 2).reshape(b, t, d))


class Expert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.w1, self.w2, self.w3 = nn.Linear(c["dim"], c["mlp"], bias=False), nn.Linear(c["mlp"], c["dim"], bias=False), nn.Linear(c["dim"], c["mlp"], bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class SparseMoe(nn.Module):
    """Mixtral's block_sparse_moe: top-k of `experts` by the router's softmax, weights renormalised over the k (`expert` builds
    each expert; lm_hub2.py's DeepSeekMoE passes its own and keeps the softmax weights).
    Every expert runs on every token (cheap at this size); the unrouted ones get weight 0, so it computes what routing computes."""

    def __init__(self, c, expert=Expert, renormalize=True):
        super().__init__()
        self.top_k, self.renormalize = c["top_k"], renormalize
        self.gate = nn.Linear(c["dim"], c["experts"], bias=False)
        self.experts = nn.ModuleList(expert(c) for _ in range(c["experts"]))
        self.aux = torch.zeros(())

    def forward(self, x):
        probs = torch.softmax(self.gate(x).float(), dim=-1)
        top, chosen = probs.topk(self.top_k, dim=-1)
        # Mixtral renormalises the k weights to sum 1; DeepSeekMoE (norm_topk_prob false) keeps the softmax's own.
        weights = torch.zeros_like(probs).scatter(-1, chosen, top / top.sum(-1, keepdim=True) if self.renormalize else top)
        routed = torch.zeros_like(probs).scatter(-1, chosen, 1.0)
        # Switch Transformer's balance loss (Fedus et al. 2022, eq. 4), as transformers' load_balancing_loss_func.
        self.aux = probs.shape[-1] * (routed.mean((0, 1)) / self.top_k * probs.mean((0, 1))).sum()
        return sum(weights[..., e:e + 1].to(x.dtype) * expert(x) for e, expert in enumerate(self.experts))


class HubMLP(nn.Module):
    """Two projections with biases and a GELU between: Starcoder2 (c_fc/c_proj), BLOOM (dense_h_to_4h/…), GPT-J (fc_in/fc_out)."""

    def __init__(self, arch, c):
        super().__init__()
        self.names = {"starcoder2": ("c_fc", "c_proj"), "bloom": ("dense_h_to_4h", "dense_4h_to_h"), "gptj": ("fc_in", "fc_out")}[arch]
        setattr(self, self.names[0], nn.Linear(c["dim"], c["mlp"]))
        setattr(self, self.names[1], nn.Linear(c["mlp"], c["dim"]))

    def forward(self, x):
        up, down = (getattr(self, n) for n in self.names)
        return down(F.gelu(up(x), approximate="tanh"))


class HubBlock(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        self.arch = arch
        norm = (lambda: lm_models.RMSNorm(c["dim"], c["eps"])) if arch == "mixtral" else (lambda: nn.LayerNorm(c["dim"], eps=c["eps"]))
        if arch == "gptj":
            self.ln_1, self.attn, self.mlp = norm(), HubAttention(arch, c), HubMLP(arch, c)
            return
        self.input_layernorm = norm()
        setattr(self, "self_attention" if arch == "bloom" else "self_attn", BloomAttention(c) if arch == "bloom" else HubAttention(arch, c))
        self.post_attention_layernorm = norm()
        if arch == "mixtral":
            self.block_sparse_moe = SparseMoe(c)
        else:
            self.mlp = lm_models.LlamaMLP(c) if arch == "stablelm" else HubMLP(arch, c)

    def forward(self, x, cos, sin):
        if self.arch == "gptj":  # GPT-J: attention and MLP read the same normed input
            h = self.ln_1(x)
            return x + self.attn(h, cos, sin) + self.mlp(h)
        attn = self.self_attention if self.arch == "bloom" else self.self_attn
        x = x + attn(self.input_layernorm(x), cos, sin)
        return x + (self.block_sparse_moe if self.arch == "mixtral" else self.mlp)(self.post_attention_layernorm(x))


class HubForCausalLM(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        self.arch, self.c = arch, c
        root, embed, layers, norm = ("transformer", "word_embeddings", "h", "ln_f") if arch == "bloom" else (
            ("transformer", "wte", "h", "ln_f") if arch == "gptj" else ("model", "embed_tokens", "layers", "norm"))
        body = nn.Module()
        setattr(body, embed, nn.Embedding(c["vocab"], c["dim"]))
        if arch == "bloom":
            body.word_embeddings_layernorm = nn.LayerNorm(c["dim"], eps=c["eps"])
        setattr(body, layers, nn.ModuleList(HubBlock(arch, c) for _ in range(c["depth"])))
        setattr(body, norm, nn.LayerNorm(c["dim"], eps=c["eps"]) if arch != "mixtral" else lm_models.RMSNorm(c["dim"], c["eps"]))
        setattr(self, root, body)
        self.parts = (root, embed, layers, norm)
        self.lm_head = None if hub_tied(arch, c) else nn.Linear(c["dim"], c["vocab"], bias=arch == "gptj")
        for name, p in self.named_parameters():  # transformers' _init_weights
            if p.dim() == 2:
                nn.init.normal_(p, std=c["init_std"])
            elif name.endswith(".bias"):
                nn.init.zeros_(p)

    def aux_loss(self):
        """The routers' load-balancing loss of the last forward, summed over layers (0 without experts)."""
        return sum((m.aux for m in self.modules() if isinstance(m, SparseMoe)), torch.zeros(()))

    def forward(self, ids):
        root, embed, layers, norm = (getattr(self, self.parts[0]), *self.parts[1:])
        rot = _rot_dims(self.c)
        inv = 1.0 / (self.c["rope_theta"] ** (torch.arange(0, max(rot, 2), 2, dtype=torch.float32) / max(rot, 2)))
        angles = torch.outer(torch.arange(ids.shape[1], dtype=torch.float32), inv)
        cos, sin = angles.cos(), angles.sin()
        x = getattr(root, embed)(ids)
        if self.arch == "bloom":
            x = root.word_embeddings_layernorm(x)
        for layer in getattr(root, layers):
            x = layer(x, cos, sin)
        h = getattr(root, norm)(x)
        return h @ getattr(root, embed).weight.t() if self.lm_head is None else self.lm_head(h)


def hub_tied(arch, c):
    """BLOOM always ties its head; Starcoder2 and the rest when the config says so."""
    return arch == "bloom" or bool(c.get("tied"))


def hub_config(arch, c, torch_dtype):
    """transformers' config.json of a hub decoder."""
    common = {"architectures": [HF_NAMES[arch]], "model_type": arch, "vocab_size": c["vocab"], "torch_dtype": torch_dtype,
              "tie_word_embeddings": hub_tied(arch, c)}
    if arch == "bloom":
        return {**common, "hidden_size": c["dim"], "n_layer": c["depth"], "n_head": c["heads"], "layer_norm_epsilon": c["eps"],
                "apply_residual_connection_post_layernorm": False, "initializer_range": c["init_std"]}
    if arch == "gptj":
        return {**common, "n_embd": c["dim"], "n_inner": c["mlp"], "n_layer": c["depth"], "n_head": c["heads"], "n_positions": c["context"],
                "rotary_dim": _rot_dims(c), "layer_norm_epsilon": c["eps"], "activation_function": "gelu_new"}
    config = {**common, "hidden_size": c["dim"], "intermediate_size": c["mlp"], "num_hidden_layers": c["depth"], "num_attention_heads": c["heads"],
              "num_key_value_heads": c.get("kv_heads", c["heads"]), "max_position_embeddings": c["context"], "rope_theta": c["rope_theta"]}
    if arch == "mixtral":
        return {**config, "rms_norm_eps": c["eps"], "num_local_experts": c["experts"], "num_experts_per_tok": c["top_k"], "hidden_act": "silu",
                "router_aux_loss_coef": c["router_aux"]}
    if arch == "stablelm":
        return {**config, "layer_norm_eps": c["eps"], "partial_rotary_factor": c.get("rotary_pct", 1.0), "use_qkv_bias": True, "hidden_act": "silu"}
    return {**config, "norm_epsilon": c["eps"], "use_bias": True, "hidden_act": "gelu_pytorch_tanh"}
