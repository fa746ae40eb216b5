"""Six more hub decoders (held-out set 7), written with torch's modules and named as transformers
(or the model's own remote code) names them:

- phi3:        Phi3ForCausalLM: RMSNorm, one fused self_attn.qkv_proj ([q; k; v] rows, no bias), o_proj,
               one fused mlp.gate_up_proj ([gate; up] rows) and down_proj (SwiGLU), untied lm_head;
- internlm2:   InternLM2ForCausalLM (remote code): tok_embeddings, attention.wqkv laid out by key/value
               group ([q of the group's heads, k, v] for group 0, then group 1, …), attention.wo,
               feed_forward.w1 / w3 / w2 (SwiGLU), attention_norm / ffn_norm (RMSNorm), untied `output`;
- gpt_bigcode: GPTBigCodeForCausalLM (StarCoder 1, SantaCoder): learned positions (wpe), multi-query
               attention fused into one nn.Linear c_attn ([q; one k head; one v head] rows, with bias),
               c_proj, mlp.c_fc / c_proj (GELU tanh), LayerNorms with biases, head tied to wte;
- opt:         OPTForCausalLM: model.decoder.*, learned positions with OPT's offset of 2 (embed_positions has
               context + 2 rows), k/v/q/out_proj with biases, fc1 / fc2 (ReLU), self_attn_layer_norm /
               final_layer_norm (pre-LN), head tied to embed_tokens;
- cohere:      CohereForCausalLM (Command R): one input_layernorm (LayerNorm with a weight and no bias)
               feeding attention and a SwiGLU MLP in parallel, rotary on interleaved pairs, no biases,
               logits × logit_scale, head tied;
- deepseek:    DeepseekForCausalLM (DeepSeekMoE): the first `first_dense` blocks a dense SwiGLU mlp, the
               rest mlp.gate (router) + mlp.experts.E.{gate,up,down}_proj (top-k of the softmax, weights
               not renormalised) + mlp.shared_experts.{gate,up,down}_proj (always on), untied.
Config keys: `kv_heads`, `experts`, `top_k`, `router_aux`, `shared_experts`, `moe_mlp`, `first_dense`,
`logit_scale`. Init ("hf" only): N(0, init_std) for every matrix (GPT-BigCode's c_proj ÷ √(2 · layers)),
zero biases, norms at 1 — transformers' _init_weights.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import lm_hub
import lm_models  # RMSNorm, LlamaMLP (read at call time: lm_models imports this module)

HUB2 = ("phi3", "internlm2", "gpt_bigcode", "opt", "cohere", "deepseek")
HF_NAMES = {"phi3": "Phi3ForCausalLM", "internlm2": "InternLM2ForCausalLM", "gpt_bigcode": "GPTBigCodeForCausalLM", "opt": "OPTForCausalLM",
            "cohere": "CohereForCausalLM", "deepseek": "DeepseekForCausalLM"}
OPT_POSITION_OFFSET = 2  # OPTLearnedPositionalEmbedding: rows 0 and 1 are never read


class CohereLayerNorm(nn.Module):
    """Cohere's LayerNorm: mean-centred, a weight and no bias (torch 1.13's nn.LayerNorm always has one)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(dim)), eps

    def forward(self, x):
        centred = x - x.mean(-1, keepdim=True)
        return self.weight * centred * torch.rsqrt(centred.pow(2).mean(-1, keepdim=True) + self.eps)


def _heads(y, b, t, dh):
    return y.reshape(b, t, -1, dh).transpose(1, 2)


class Attention2(nn.Module):
    """Self-attention in the set's layouts: q/k/v separate (opt, cohere, deepseek) or fused (phi3 qkv_proj, internlm2 wqkv,
    gpt_bigcode c_attn); grouped-query via kv_heads; rotary on halves or interleaved pairs, or none (learned positions)."""

    def __init__(self, arch, c):
        super().__init__()
        d, h = c["dim"], c["heads"]
        self.arch, self.heads, self.dh = arch, h, d // h
        self.kv_heads = 1 if arch == "gpt_bigcode" else c.get("kv_heads", h)
        kv = self.kv_heads * self.dh
        if arch == "phi3":
            self.qkv_proj, self.o_proj = nn.Linear(d, d + 2 * kv, bias=False), nn.Linear(d, d, bias=False)
        elif arch == "internlm2":
            self.wqkv, self.wo = nn.Linear(d, d + 2 * kv, bias=False), nn.Linear(d, d, bias=False)
        elif arch == "gpt_bigcode":
            self.c_attn, self.c_proj = nn.Linear(d, d + 2 * kv), nn.Linear(d, d)
        else:  # transformers' OPTAttention creates k, v, q, out in this order
            bias = arch == "opt"
            self.k_proj, self.v_proj, self.q_proj = nn.Linear(d, kv, bias=bias), nn.Linear(d, kv, bias=bias), nn.Linear(d, d, bias=bias)
            setattr(self, "out_proj" if arch == "opt" else "o_proj", nn.Linear(d, d, bias=bias))
        self.rotary = arch not in ("gpt_bigcode", "opt")

    def project(self, x):
        b, t, d = x.shape
        kv = self.kv_heads * self.dh
        if self.arch == "internlm2":  # [b, t, groups, heads per group + 2, dh]: the group's q heads, then its k, then its v
            grouped = self.wqkv(x).view(b, t, self.kv_heads, self.heads // self.kv_heads + 2, self.dh)
            q, k, v = grouped[..., :-2, :], grouped[..., -2, :], grouped[..., -1, :]
        else:
            fused = {"phi3": "qkv_proj", "gpt_bigcode": "c_attn"}.get(self.arch)
            q, k, v = getattr(self, fused)(x).split([d, kv, kv], dim=-1) if fused else (self.q_proj(x), self.k_proj(x), self.v_proj(x))
        return _heads(q, b, t, self.dh), _heads(k, b, t, self.dh), _heads(v, b, t, self.dh)

    def forward(self, x, cos, sin):
        b, t, d = x.shape
        q, k, v = self.project(x)
        if self.rotary:
            q, k = (lm_hub._rotary(y, cos, sin, self.dh, self.arch == "cohere") for y in (q, k))
        if self.kv_heads != self.heads:
            k, v = (y.repeat_interleave(self.heads // self.kv_heads, dim=1) for y in (k, v))
        out = {"phi3": "o_proj", "internlm2": "wo", "gpt_bigcode": "c_proj", "opt": "out_proj"}.get(self.arch, "o_proj")
        return getattr(self, out)(lm_hub._attend(q, k, v).transpose(1, 2).reshape(b, t, d))


class FusedGateUp(nn.Module):
    """Phi-3's MLP: gate_up_proj's rows are [gate; up], down(silu(gate) · up)."""

    def __init__(self, c):
        super().__init__()
        self.gate_up_proj, self.down_proj = nn.Linear(c["dim"], 2 * c["mlp"], bias=False), nn.Linear(c["mlp"], c["dim"], bias=False)

    def forward(self, x):
        gate, up = self.gate_up_proj(x).chunk(2, dim=-1)
        return self.down_proj(F.silu(gate) * up)


class InternFeedForward(nn.Module):
    """InternLM2's feed_forward: w2(silu(w1 x) · w3 x)."""

    def __init__(self, c):
        super().__init__()
        self.w1, self.w3, self.w2 = nn.Linear(c["dim"], c["mlp"], bias=False), nn.Linear(c["dim"], c["mlp"], bias=False), nn.Linear(c["mlp"], c["dim"], bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class TwoLayerMLP(nn.Module):
    """GPT-BigCode's mlp.c_fc / c_proj with biases (GELU tanh); OPT keeps its fc1 / fc2 on the block itself."""

    def __init__(self, c):
        super().__init__()
        self.c_fc, self.c_proj = nn.Linear(c["dim"], c["mlp"]), nn.Linear(c["mlp"], c["dim"])

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class DeepseekMoe(lm_hub.SparseMoe):
    """DeepSeekMoE's mlp: routed experts (top-k of the router's softmax, weights kept as they are) plus always-on shared experts."""

    def __init__(self, c):
        routed = {**c, "mlp": c["moe_mlp"]}
        super().__init__(routed, expert=lm_models.LlamaMLP, renormalize=False)
        self.shared_experts = lm_models.LlamaMLP({**c, "mlp": c["moe_mlp"] * c["shared_experts"]})

    def forward(self, x):
        return super().forward(x) + self.shared_experts(x)


class Block2(nn.Module):
    def __init__(self, arch, c, index):
        super().__init__()
        self.arch = arch
        eps = c["eps"]
        if arch == "internlm2":
            self.attention_norm, self.attention = lm_models.RMSNorm(c["dim"], eps), Attention2(arch, c)
            self.ffn_norm, self.feed_forward = lm_models.RMSNorm(c["dim"], eps), InternFeedForward(c)
        elif arch == "gpt_bigcode":
            self.ln_1, self.attn, self.ln_2, self.mlp = nn.LayerNorm(c["dim"], eps=eps), Attention2(arch, c), nn.LayerNorm(c["dim"], eps=eps), TwoLayerMLP(c)
        elif arch == "opt":
            self.self_attn, self.self_attn_layer_norm = Attention2(arch, c), nn.LayerNorm(c["dim"], eps=eps)
            self.fc1, self.fc2, self.final_layer_norm = nn.Linear(c["dim"], c["mlp"]), nn.Linear(c["mlp"], c["dim"]), nn.LayerNorm(c["dim"], eps=eps)
        elif arch == "cohere":
            self.input_layernorm, self.self_attn, self.mlp = CohereLayerNorm(c["dim"], eps), Attention2(arch, c), lm_models.LlamaMLP(c)
        else:  # phi3, deepseek: Llama's pre-norm block
            self.input_layernorm, self.self_attn = lm_models.RMSNorm(c["dim"], eps), Attention2(arch, c)
            self.post_attention_layernorm = lm_models.RMSNorm(c["dim"], eps)
            dense = arch == "phi3" or index < c.get("first_dense", 0)
            self.mlp = (FusedGateUp(c) if arch == "phi3" else lm_models.LlamaMLP(c)) if dense else DeepseekMoe(c)

    def forward(self, x, cos, sin):
        if self.arch == "internlm2":
            x = x + self.attention(self.attention_norm(x), cos, sin)
            return x + self.feed_forward(self.ffn_norm(x))
        if self.arch == "gpt_bigcode":
            x = x + self.attn(self.ln_1(x), cos, sin)
            return x + self.mlp(self.ln_2(x))
        if self.arch == "opt":
            x = x + self.self_attn(self.self_attn_layer_norm(x), cos, sin)
            return x + self.fc2(F.relu(self.fc1(self.final_layer_norm(x))))
        if self.arch == "cohere":  # attention and MLP read the same normed input
            h = self.input_layernorm(x)
            return x + self.self_attn(h, cos, sin) + self.mlp(h)
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


# (root, embedding, positions, blocks, final norm) of each architecture's module tree.
PARTS = {
    "phi3": ("model", "embed_tokens", None, "layers", "norm"),
    "internlm2": ("model", "tok_embeddings", None, "layers", "norm"),
    "gpt_bigcode": ("transformer", "wte", "wpe", "h", "ln_f"),
    "opt": ("model.decoder", "embed_tokens", "embed_positions", "layers", "final_layer_norm"),
    "cohere": ("model", "embed_tokens", None, "layers", "norm"),
    "deepseek": ("model", "embed_tokens", None, "layers", "norm"),
}


class Hub2ForCausalLM(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        self.arch, self.c = arch, c
        root, embed, positions, layers, norm = PARTS[arch]
        body = nn.Module()
        setattr(body, embed, nn.Embedding(c["vocab"], c["dim"]))
        if positions:
            setattr(body, positions, nn.Embedding(c["context"] + (OPT_POSITION_OFFSET if arch == "opt" else 0), c["dim"]))
        setattr(body, layers, nn.ModuleList(Block2(arch, c, i) for i in range(c["depth"])))
        eps = c["eps"]
        final = {"gpt_bigcode": lambda: nn.LayerNorm(c["dim"], eps=eps), "opt": lambda: nn.LayerNorm(c["dim"], eps=eps), "cohere": lambda: CohereLayerNorm(c["dim"], eps)}
        setattr(body, norm, final.get(arch, lambda: lm_models.RMSNorm(c["dim"], eps))())
        if arch == "opt":  # model.decoder.*
            self.model = nn.Module()
            self.model.decoder = body
        else:
            setattr(self, root, body)
        self.parts = (embed, positions, layers, norm)
        head_name = "output" if arch == "internlm2" else "lm_head"
        self.head_name = None if hub2_tied(arch, c) else head_name
        if self.head_name:
            setattr(self, head_name, nn.Linear(c["dim"], c["vocab"], bias=False))
        for name, p in self.named_parameters():  # transformers' _init_weights
            if p.dim() == 2:
                scaled = arch == "gpt_bigcode" and name.endswith("c_proj.weight")
                nn.init.normal_(p, std=c["init_std"] / math.sqrt(2 * c["depth"]) if scaled else c["init_std"])
            elif name.endswith(".bias"):
                nn.init.zeros_(p)

    @property
    def body(self):
        """The module holding embeddings, blocks and final norm (not registered twice: the checkpoint names it once)."""
        return self.model.decoder if self.arch == "opt" else getattr(self, PARTS[self.arch][0])

    def aux_loss(self):
        """The routers' load-balancing loss of the last forward, summed over layers."""
        return sum((m.aux for m in self.modules() if isinstance(m, lm_hub.SparseMoe)), torch.zeros(()))

    def forward(self, ids):
        embed, positions, layers, norm = self.parts
        dh = self.c["dim"] // self.c["heads"]
        inv = 1.0 / (self.c["rope_theta"] ** (torch.arange(0, dh, 2, dtype=torch.float32) / dh))
        angles = torch.outer(torch.arange(ids.shape[1], dtype=torch.float32), inv)
        x = getattr(self.body, embed)(ids)
        if positions:
            offset = OPT_POSITION_OFFSET if self.arch == "opt" else 0
            x = x + getattr(self.body, positions)(torch.arange(ids.shape[1]) + offset)
        for layer in getattr(self.body, layers):
            x = layer(x, angles.cos(), angles.sin())
        h = getattr(self.body, norm)(x)
        logits = h @ getattr(self.body, embed).weight.t() if self.head_name is None else getattr(self, self.head_name)(h)
        return logits * self.c["logit_scale"] if self.arch == "cohere" else logits


def hub2_tied(arch, c):
    """GPT-BigCode, OPT and Cohere tie their head; the rest when the config says so."""
    return arch in ("gpt_bigcode", "opt", "cohere") or bool(c.get("tied"))


def hub2_config(arch, c, torch_dtype):
    """The config.json of a set-7 decoder (transformers' keys, InternLM2's remote-code ones)."""
    common = {"architectures": [HF_NAMES[arch]], "model_type": arch, "vocab_size": c["vocab"], "torch_dtype": torch_dtype,
              "tie_word_embeddings": hub2_tied(arch, c)}
    if arch == "gpt_bigcode":
        return {**common, "n_embd": c["dim"], "n_inner": c["mlp"], "n_layer": c["depth"], "n_head": c["heads"], "n_positions": c["context"],
                "multi_query": True, "layer_norm_epsilon": c["eps"], "activation_function": "gelu_pytorch_tanh", "initializer_range": c["init_std"]}
    if arch == "opt":
        return {**common, "hidden_size": c["dim"], "ffn_dim": c["mlp"], "num_hidden_layers": c["depth"], "num_attention_heads": c["heads"],
                "max_position_embeddings": c["context"], "do_layer_norm_before": True, "activation_function": "relu", "word_embed_proj_dim": c["dim"],
                "enable_bias": True, "init_std": c["init_std"]}
    config = {**common, "hidden_size": c["dim"], "intermediate_size": c["mlp"], "num_hidden_layers": c["depth"], "num_attention_heads": c["heads"],
              "num_key_value_heads": c.get("kv_heads", c["heads"]), "max_position_embeddings": c["context"], "rope_theta": c["rope_theta"],
              "hidden_act": "silu", "initializer_range": c["init_std"]}
    if arch == "cohere":
        return {**config, "layer_norm_eps": c["eps"], "logit_scale": c["logit_scale"], "use_qk_norm": False}
    if arch == "deepseek":
        return {**config, "rms_norm_eps": c["eps"], "n_routed_experts": c["experts"], "num_experts_per_tok": c["top_k"], "n_shared_experts": c["shared_experts"],
                "moe_intermediate_size": c["moe_mlp"], "first_k_dense_replace": c.get("first_dense", 0), "norm_topk_prob": False, "scoring_func": "softmax",
                "aux_loss_alpha": c["router_aux"]}
    if arch == "internlm2":
        return {**config, "rms_norm_eps": c["eps"], "bias": False, "auto_map": {"AutoModelForCausalLM": "modeling_internlm2.InternLM2ForCausalLM"}}
    return {**config, "rms_norm_eps": c["eps"]}
