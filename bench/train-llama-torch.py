"""PyTorch reference of transformers' LlamaForCausalLM forward (RMSNorm, rotate_half rotary
with cat(freqs, freqs), causal softmax attention, SiLU-gated MLP, untied lm_head), written
from the HF modelling code. `--parity FOLDER` loads FOLDER/model.safetensors by HF names and
prints the logits of FOLDER/input_ids.bin (int64) as JSON; bench/train-llama-parity.ts
compares them with the ONNX graph. Run with Debian's /usr/bin/python3.
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "experiments", "foreign-trees"))
from safetensors_io import read_safetensors  # one safetensors reader for the Python side


def load(folder):
    return read_safetensors(f"{folder}/model.safetensors"), json.load(open(f"{folder}/config.json"))


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(w, c, ids):
    b, t = ids.shape
    heads, dim = c["num_attention_heads"], c["hidden_size"]
    dh = dim // heads
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, dh, 2, dtype=torch.float32) / dh))
    freqs = torch.outer(torch.arange(t, dtype=torch.float32), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((t, t), float("-inf")).triu(1)
    x = w["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], c["rms_norm_eps"])
        split = lambda y: y.view(b, t, heads, dh).transpose(1, 2)
        q = split(h @ w[p + "self_attn.q_proj.weight"].T)
        k = split(h @ w[p + "self_attn.k_proj.weight"].T)
        v = split(h @ w[p + "self_attn.v_proj.weight"].T)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        attn = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + mask, dim=-1) @ v
        x = x + attn.transpose(1, 2).reshape(b, t, dim) @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], c["rms_norm_eps"])
        gated = torch.nn.functional.silu(h @ w[p + "mlp.gate_proj.weight"].T) * (h @ w[p + "mlp.up_proj.weight"].T)
        x = x + gated @ w[p + "mlp.down_proj.weight"].T
    return rms_norm(x, w["model.norm.weight"], c["rms_norm_eps"]) @ w["lm_head.weight"].T


if __name__ == "__main__":
    folder = sys.argv[2]
    weights, config = load(folder)
    ids = torch.frombuffer(bytearray(open(f"{folder}/input_ids.bin", "rb").read()), dtype=torch.int64).reshape(-1, config["max_position_embeddings"])
    with torch.no_grad():
        print(json.dumps(forward(weights, config, ids).flatten().tolist()))
