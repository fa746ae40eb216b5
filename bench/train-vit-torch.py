"""PyTorch CPU baseline for bench/train-vit.ts: the same ViT (HF ViTForImageClassification
layout: pre-norm blocks, q/k/v/output dense, GELU(erf) MLP, CLS token, learned positions),
the same batch and AdamW, one fine-tune step timed per iteration (forward, backward,
optimizer). Run with Debian's python: /usr/bin/python3 bench/train-vit-torch.py '{"dim":48,...}'.
With `--parity FOLDER` it instead loads FOLDER/model.safetensors by HF names and prints the
logits of FOLDER/pixels.bin (bench/train-vit-parity.ts compares them with the ONNX graph).
Prints one JSON line: {"msPerStep" (median wall), "cpuMsPerStep" (process CPU time), "threads", "torch"}.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_dim):
        super().__init__()
        self.heads = heads
        self.layernorm_before = nn.LayerNorm(dim, eps=1e-12)
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.dense = nn.Linear(dim, dim)
        self.layernorm_after = nn.LayerNorm(dim, eps=1e-12)
        self.intermediate = nn.Linear(dim, mlp_dim)
        self.output = nn.Linear(mlp_dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        h = self.layernorm_before(x)
        dh = d // self.heads
        q = self.query(h).view(b, t, self.heads, dh).transpose(1, 2)
        k = self.key(h).view(b, t, self.heads, dh).transpose(1, 2)
        v = self.value(h).view(b, t, self.heads, dh).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.dense(attended)
        return x + self.output(F.gelu(self.intermediate(self.layernorm_after(x))))


class Vit(nn.Module):
    def __init__(self, c):
        super().__init__()
        dim, patch = c["dim"], c["patch"]
        tokens = (c["imageSize"] // patch) ** 2 + 1
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.position_embeddings = nn.Parameter(torch.randn(1, tokens, dim) * 0.02)
        self.projection = nn.Conv2d(3, dim, patch, patch)
        self.blocks = nn.ModuleList(Block(dim, c["heads"], c["mlpDim"]) for _ in range(c["depth"]))
        self.layernorm = nn.LayerNorm(dim, eps=1e-12)
        self.classifier = nn.Linear(dim, c["numClasses"])

    def forward(self, pixels):
        x = self.projection(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.position_embeddings
        for block in self.blocks:
            x = block(x)
        return self.classifier(self.layernorm(x)[:, 0])


def parity(folder):
    """Load <folder>/model.safetensors by HF names into Vit, run <folder>/pixels.bin, print the logits as JSON."""
    import os

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "experiments", "foreign-trees"))
    from safetensors_io import read_safetensors  # one safetensors reader for the Python side

    weights = read_safetensors(f"{folder}/model.safetensors")
    hf = json.load(open(f"{folder}/config.json"))
    c = {"dim": hf["hidden_size"], "depth": hf["num_hidden_layers"], "heads": hf["num_attention_heads"], "mlpDim": hf["intermediate_size"],
         "patch": hf["patch_size"], "imageSize": hf["image_size"], "numClasses": len(hf["id2label"])}
    state = {"cls_token": "vit.embeddings.cls_token", "position_embeddings": "vit.embeddings.position_embeddings",
             "projection.weight": "vit.embeddings.patch_embeddings.projection.weight", "projection.bias": "vit.embeddings.patch_embeddings.projection.bias",
             "layernorm.weight": "vit.layernorm.weight", "layernorm.bias": "vit.layernorm.bias",
             "classifier.weight": "classifier.weight", "classifier.bias": "classifier.bias"}
    for i in range(c["depth"]):
        for ours, theirs in [("layernorm_before", "layernorm_before"), ("query", "attention.attention.query"), ("key", "attention.attention.key"),
                             ("value", "attention.attention.value"), ("dense", "attention.output.dense"), ("layernorm_after", "layernorm_after"),
                             ("intermediate", "intermediate.dense"), ("output", "output.dense")]:
            for kind in ("weight", "bias"):
                state[f"blocks.{i}.{ours}.{kind}"] = f"vit.encoder.layer.{i}.{theirs}.{kind}"
    model = Vit(c)
    model.load_state_dict({ours: weights[theirs] for ours, theirs in state.items()})
    pixels = torch.frombuffer(bytearray(open(f"{folder}/pixels.bin", "rb").read()), dtype=torch.float32).reshape(-1, 3, c["imageSize"], c["imageSize"])
    with torch.no_grad():
        print(json.dumps(model(pixels).flatten().tolist()))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--parity":
        parity(sys.argv[2])
        return
    c = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    c = {"dim": 48, "depth": 3, "heads": 3, "mlpDim": 192, "patch": 8, "imageSize": 32, "numClasses": 10,
         "batch": 32, "steps": 200, "warmup": 20, "threads": 1, **c}
    torch.manual_seed(0)
    torch.set_num_threads(c["threads"])
    model = Vit(c)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    pixels = torch.rand(c["batch"], 3, c["imageSize"], c["imageSize"])
    labels = torch.randint(0, c["numClasses"], (c["batch"],))
    times = []
    cpu_start = 0.0
    for step in range(c["warmup"] + c["steps"]):
        if step == c["warmup"]:
            cpu_start = time.process_time()
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(pixels), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step >= c["warmup"]:
            times.append(time.perf_counter() - start)
    cpu_ms = 1000 * (time.process_time() - cpu_start) / c["steps"]
    times.sort()
    print(json.dumps({"msPerStep": 1000 * times[len(times) // 2], "meanMs": 1000 * sum(times) / len(times), "cpuMsPerStep": cpu_ms,
                      "threads": c["threads"], "torch": torch.__version__, "loss": float(loss)}))


if __name__ == "__main__":
    main()
