"""Reads an F32 model.safetensors into torch tensors by name: what the PyTorch parity benches
(train-vit-torch.py, train-llama-torch.py) load the ONNX-trained checkpoints with."""
import json
import struct

import torch


def load_f32_safetensors(path):
    raw = open(path, "rb").read()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    weights = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        weights[name] = torch.frombuffer(bytearray(raw[8 + size + start:8 + size + end]), dtype=torch.float32).reshape(info["shape"])
    return weights
