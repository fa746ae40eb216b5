"""The ViT train_tree.py trains, with Hugging Face ViTForImageClassification's parameter names, its
transformers-style initialisation (hf_init), and peft's LoRA Linear (also used by lm-families/train_lm.py).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from procedural_tasks import CHANNELS, IMAGE

ARCH = {"dim": 64, "depth": 4, "heads": 4, "mlp": 256, "patch": 4}


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
