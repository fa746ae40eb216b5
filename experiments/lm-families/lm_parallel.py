"""Decoders whose attention and MLP read the same input in parallel (GPT-J's block), in three
hub namings, as transformers names and lays them out:

- phi:      PhiForCausalLM (Phi-1.5/2): one LayerNorm per block feeds both, q/k/v/dense with
            biases, fc1/fc2 with biases (GELU), partial rotary, final_layernorm, untied
            lm_head with a bias;
- gpt_neox: GPTNeoXForCausalLM (Pythia): use_parallel_residual (two LayerNorms), one fused
            query_key_value laid out head by head ([q, k, v] of head 0, then head 1, …) with a
            bias, dense_h_to_4h / dense_4h_to_h (GELU), rotary_pct, untied embed_out;
- falcon:   FalconForCausalLM (Falcon-7B): parallel_attn, multi-query fused query_key_value
            ([all q heads, one k, one v]), no biases, GELU MLP, ln_f, head tied to
            word_embeddings (not saved).
Config key `rotary_pct` (fraction of each head's dims rotated; absent: all) and `kv_heads`.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import lm_models  # causal_attention, rotate_half (read at call time: lm_models imports this module)

PARALLEL = ("phi", "gpt_neox", "falcon")


def _rotary_dims(c):
    dh = c["dim"] // c["heads"]
    return 2 * int(dh * c.get("rotary_pct", 1.0) / 2)


def _rotate(x, cos, sin, rot):
    """Rotary on the first `rot` dims of each head, the rest passed through (GPT-NeoX's and Phi's partial rotary)."""
    turned = x[..., :rot] * cos + lm_models.rotate_half(x[..., :rot]) * sin
    return torch.cat((turned, x[..., rot:]), dim=-1)


class ParallelAttention(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        d, h = c["dim"], c["heads"]
        dh = d // h
        # GPT-NeoX has no grouped-query form: its fused projection always carries every head's k and v.
        self.arch, self.heads, self.kv_heads, self.rot = arch, h, h if arch == "gpt_neox" else c.get("kv_heads", h), _rotary_dims(c)
        if arch == "phi":
            self.q_proj, self.k_proj, self.v_proj = nn.Linear(d, d), nn.Linear(d, self.kv_heads * dh), nn.Linear(d, self.kv_heads * dh)
        elif arch == "gpt_neox":
            self.query_key_value = nn.Linear(d, 3 * d)
        else:
            self.query_key_value = nn.Linear(d, d + 2 * self.kv_heads * dh, bias=False)
        self.dense = nn.Linear(d, d, bias=arch != "falcon")

    def qkv(self, x):
        b, t, d = x.shape
        dh = d // self.heads
        if self.arch == "phi":
            q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        elif self.arch == "gpt_neox":
            q, k, v = self.query_key_value(x).view(b, t, self.heads, 3 * dh).split(dh, dim=-1)
        else:
            q, k, v = self.query_key_value(x).split([d, self.kv_heads * dh, self.kv_heads * dh], dim=-1)
        return (y.reshape(b, t, -1, dh).transpose(1, 2) for y in (q, k, v))

    def forward(self, x, cos, sin):
        b, t, d = x.shape
        q, k, v = self.qkv(x)
        q, k = _rotate(q, cos, sin, self.rot), _rotate(k, cos, sin, self.rot)
        if self.kv_heads != self.heads:
            k, v = (y.repeat_interleave(self.heads // self.kv_heads, dim=1) for y in (k, v))
        return self.dense(lm_models.causal_attention(q, k, v).transpose(1, 2).reshape(b, t, d))


class ParallelMLP(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        d, m = c["dim"], c["mlp"]
        names = ("fc1", "fc2") if arch == "phi" else ("dense_h_to_4h", "dense_4h_to_h")
        self.names = names
        setattr(self, names[0], nn.Linear(d, m, bias=arch != "falcon"))
        setattr(self, names[1], nn.Linear(m, d, bias=arch != "falcon"))
        self.approximate = "tanh" if arch == "phi" else "none"  # Phi's gelu_new; NeoX's and Falcon's exact GELU

    def forward(self, x):
        up, down = (getattr(self, n) for n in self.names)
        return down(F.gelu(up(x), approximate=self.approximate))


class ParallelBlock(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        self.input_layernorm = nn.LayerNorm(c["dim"], eps=c["eps"])
        if arch == "gpt_neox":
            self.post_attention_layernorm = nn.LayerNorm(c["dim"], eps=c["eps"])
        setattr(self, {"phi": "self_attn", "gpt_neox": "attention", "falcon": "self_attention"}[arch], ParallelAttention(arch, c))
        self.mlp = ParallelMLP(arch, c)
        self.arch = arch

    def forward(self, x, cos, sin):
        attn = self.self_attn if self.arch == "phi" else self.attention if self.arch == "gpt_neox" else self.self_attention
        h = self.input_layernorm(x)
        return x + attn(h, cos, sin) + self.mlp(self.post_attention_layernorm(x) if self.arch == "gpt_neox" else h)


class ParallelForCausalLM(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        self.arch, self.c = arch, c
        root, embed, layers, norm = {
            "phi": ("model", "embed_tokens", "layers", "final_layernorm"),
            "gpt_neox": ("gpt_neox", "embed_in", "layers", "final_layer_norm"),
            "falcon": ("transformer", "word_embeddings", "h", "ln_f"),
        }[arch]
        body = nn.Module()
        setattr(body, embed, nn.Embedding(c["vocab"], c["dim"]))
        setattr(body, layers, nn.ModuleList(ParallelBlock(arch, c) for _ in range(c["depth"])))
        setattr(body, norm, nn.LayerNorm(c["dim"], eps=c["eps"]))
        setattr(self, root, body)
        self.parts = (root, embed, layers, norm)
        if arch == "phi":
            self.lm_head = nn.Linear(c["dim"], c["vocab"])
        elif arch == "gpt_neox":
            self.embed_out = nn.Linear(c["dim"], c["vocab"], bias=False)
        # Linear biases, which transformers' _init_weights zeroes (build's "hf" init).
        self.linear_biases = {f"{n}.bias" for n, m in self.named_modules() if isinstance(m, nn.Linear) and m.bias is not None}

    def forward(self, ids):
        root, embed, layers, norm = (getattr(self, self.parts[0]), *self.parts[1:])
        rot = _rotary_dims(self.c)
        inv = 1.0 / (self.c["rope_theta"] ** (torch.arange(0, rot, 2, dtype=torch.float32) / rot))
        emb = torch.outer(torch.arange(ids.shape[1], dtype=torch.float32), inv).repeat(1, 2)
        cos, sin = emb.cos(), emb.sin()
        x = getattr(root, embed)(ids)
        for layer in getattr(root, layers):
            x = layer(x, cos, sin)
        h = getattr(root, norm)(x)
        if self.arch == "phi":
            return self.lm_head(h)
        if self.arch == "gpt_neox":
            return self.embed_out(h)
        return h @ getattr(root, embed).weight.t()  # Falcon: tied


def parallel_config(arch, c, torch_dtype):
    """transformers' config.json of a parallel-block model."""
    common = {"vocab_size": c["vocab"], "hidden_size": c["dim"], "num_hidden_layers": c["depth"], "num_attention_heads": c["heads"], "torch_dtype": torch_dtype}
    if arch == "phi":
        return {"architectures": ["PhiForCausalLM"], "model_type": "phi", **common, "intermediate_size": c["mlp"],
                "num_key_value_heads": c.get("kv_heads", c["heads"]), "max_position_embeddings": c["context"], "layer_norm_eps": c["eps"],
                "rope_theta": c["rope_theta"], "partial_rotary_factor": c.get("rotary_pct", 1.0), "hidden_act": "gelu_new", "tie_word_embeddings": False}
    if arch == "gpt_neox":
        return {"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", **common, "intermediate_size": c["mlp"],
                "max_position_embeddings": c["context"], "layer_norm_eps": c["eps"], "rotary_pct": c.get("rotary_pct", 1.0),
                "rotary_emb_base": c["rope_theta"], "use_parallel_residual": True, "hidden_act": "gelu", "tie_word_embeddings": False}
    kv = c.get("kv_heads", c["heads"])
    return {"architectures": ["FalconForCausalLM"], "model_type": "falcon", **common, "ffn_hidden_size": c["mlp"], "multi_query": kv == 1,
            "num_kv_heads": kv, "parallel_attn": True, "bias": False, "new_decoder_architecture": False, "alibi": False,
            "layer_norm_epsilon": c["eps"], "rope_theta": c["rope_theta"], "max_position_embeddings": c["context"], "tie_word_embeddings": True}

