"""Safetensors by hand for the Python side (train_tree.py, lm-families/train_lm.py, bench/train-*-torch.py):
F32 and BF16 checkpoints written atomically (temp name + rename), and read back into torch tensors.
"""
import json
import os
import struct

import numpy as np
import torch


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
