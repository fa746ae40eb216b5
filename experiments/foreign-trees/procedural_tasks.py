"""The procedural image tasks train_tree.py trains on: each draws n images (n, 3, 16, 16) in [0, 1]
and labels from a numpy Generator. Deliberately not the tasks in datasets/: the trees are meant to
be trained the way someone else would train them.
"""
import math

import numpy as np
import torch

IMAGE = 16
CHANNELS = 3

YY, XX = np.mgrid[0:IMAGE, 0:IMAGE].astype(np.float32)


def _noise(rng, n, scale):
    return scale * rng.random((n, CHANNELS, IMAGE, IMAGE), dtype=np.float32)


def _colours(rng, n, low=0.35):
    return rng.uniform(low, 1.0, (n, CHANNELS, 1, 1)).astype(np.float32)


def task_gratings(rng, n):
    """Orientation of a sine grating: 6 classes, 30 degrees apart."""
    y = rng.integers(0, 6, n)
    theta = y * math.pi / 6 + rng.uniform(-0.12, 0.12, n)
    freq = rng.uniform(0.12, 0.3, n)
    phase = rng.uniform(0, 2 * math.pi, n)
    proj = XX[None] * np.cos(theta)[:, None, None] + YY[None] * np.sin(theta)[:, None, None]
    wave = 0.5 + 0.5 * np.sin(2 * math.pi * freq[:, None, None] * proj + phase[:, None, None])
    return wave[:, None] * _colours(rng, n) + _noise(rng, n, 0.15), y


def task_blob_position(rng, n):
    """Which cell of a 3x3 grid holds a Gaussian blob: 9 classes."""
    y = rng.integers(0, 9, n)
    cx = (y % 3) * 5.0 + 3.0 + rng.uniform(-1, 1, n)
    cy = (y // 3) * 5.0 + 3.0 + rng.uniform(-1, 1, n)
    sigma = rng.uniform(1.2, 2.2, n)
    blob = np.exp(-((XX[None] - cx[:, None, None]) ** 2 + (YY[None] - cy[:, None, None]) ** 2) / (2 * sigma[:, None, None] ** 2))
    return blob[:, None] * _colours(rng, n) + _noise(rng, n, 0.25), y


def _hsv_to_rgb(h, s, v):
    i = np.floor(h * 6).astype(int) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros((len(h), 3), np.float32)
    for k, (r, g, b) in enumerate(table):
        m = i == k
        out[m] = np.stack([r[m], g[m], b[m]], 1)
    return out


def task_hue(rng, n):
    """Dominant hue of a smooth random texture: 6 classes."""
    y = rng.integers(0, 6, n)
    hue = (y / 6 + rng.uniform(-1 / 24, 1 / 24, n)) % 1.0
    rgb = _hsv_to_rgb(hue, rng.uniform(0.6, 1.0, n), np.ones(n))
    coarse = rng.random((n, 1, 4, 4), dtype=np.float32)
    texture = 0.4 + 0.6 * np.kron(coarse, np.ones((1, 1, 4, 4), np.float32))
    return texture * rgb[:, :, None, None] + _noise(rng, n, 0.1), y


def task_count_dots(rng, n):
    """How many 2x2 dots (1-5): 5 classes."""
    y = rng.integers(0, 5, n)
    img = _noise(rng, n, 0.2)
    colour = _colours(rng, n, 0.6)
    for i in range(n):
        cells = rng.choice(25, y[i] + 1, replace=False)
        for c in cells:
            r0, c0 = (c // 5) * 3 + rng.integers(0, 2), (c % 5) * 3 + rng.integers(0, 2)
            img[i, :, r0:r0 + 2, c0:c0 + 2] = colour[i, :, :, :]
    return img, y


GLYPHS = [
    [(0.5, 0, 0.5, 1)],  # 1
    [(0, 0, 1, 0), (1, 0, 0.3, 1)],  # 7
    [(0, 0, 0, 1), (0, 1, 1, 1)],  # L
    [(0, 0, 1, 0), (0.5, 0, 0.5, 1)],  # T
    [(0.5, 0, 0.5, 1), (0, 0.5, 1, 0.5)],  # +
    [(0, 0, 1, 1), (1, 0, 0, 1)],  # X
    [(0, 0, 1, 0), (1, 0, 1, 1), (1, 1, 0, 1), (0, 1, 0, 0)],  # O
    [(0, 0, 1, 0), (1, 0, 0, 1), (0, 1, 1, 1)],  # Z
]


def task_strokes(rng, n):
    """Digit-like glyphs drawn from strokes, random size, place and slant: 8 classes."""
    y = rng.integers(0, len(GLYPHS), n)
    img = _noise(rng, n, 0.2)
    colour = _colours(rng, n, 0.6)
    t = np.linspace(0, 1, 24)
    for i in range(n):
        size = rng.uniform(8, 12)
        x0, y0 = rng.uniform(1, IMAGE - size - 1), rng.uniform(1, IMAGE - size - 1)
        slant = rng.uniform(-0.2, 0.2)
        for (ax, ay, bx, by) in GLYPHS[y[i]]:
            px = x0 + size * (ax + (bx - ax) * t) + slant * size * (ay + (by - ay) * t - 0.5)
            py = y0 + size * (ay + (by - ay) * t)
            px = np.clip(np.round(px).astype(int), 0, IMAGE - 1)
            py = np.clip(np.round(py).astype(int), 0, IMAGE - 1)
            img[i][:, py, px] = colour[i, :, 0, 0][:, None]
    return img, y


def task_texture_scale(rng, n):
    """Checkerboard period 2, 4 or 8, or plain noise: 4 classes."""
    y = rng.integers(0, 4, n)
    img = np.empty((n, CHANNELS, IMAGE, IMAGE), np.float32)
    for i in range(n):
        if y[i] == 3:
            img[i] = rng.random((CHANNELS, IMAGE, IMAGE), dtype=np.float32)
            continue
        period = 2 ** (y[i] + 1)
        ox, oy = rng.integers(0, period, 2)
        board = (((XX + ox) // (period // 2) + (YY + oy) // (period // 2)) % 2).astype(np.float32)
        a, b = rng.uniform(0, 1, (2, CHANNELS, 1, 1)).astype(np.float32)
        img[i] = a * board[None] + b * (1 - board[None])
    return img + _noise(rng, n, 0.15), y


def task_bright_side(rng, n):
    """Which half (left, right, top, bottom) is brighter: 4 classes."""
    y = rng.integers(0, 4, n)
    img = 0.6 * rng.random((n, CHANNELS, IMAGE, IMAGE), dtype=np.float32)
    half = IMAGE // 2
    for i in range(n):
        region = [np.s_[:, :, :half], np.s_[:, :, half:], np.s_[:, :half, :], np.s_[:, half:, :]][y[i]]
        img[i][region] += rng.uniform(0.25, 0.45)
    return img, y


TASKS = {
    "gratings": (task_gratings, 6),
    "blob-position": (task_blob_position, 9),
    "hue": (task_hue, 6),
    "count-dots": (task_count_dots, 5),
    "strokes": (task_strokes, 8),
    "texture-scale": (task_texture_scale, 4),
    "bright-side": (task_bright_side, 4),
}
MIXTURE = "mixture"


def make_data(task, n, seed):
    """(images normalised like an HF image processor, mean 0.5 std 0.5; labels; classes)."""
    rng = np.random.default_rng(seed)
    if task == MIXTURE:
        xs, ys, offset = [], [], 0
        for name, (draw, classes) in TASKS.items():
            x, y = draw(rng, n // len(TASKS))
            xs.append(x)
            ys.append(y + offset)
            offset += classes
        x, y, classes = np.concatenate(xs), np.concatenate(ys), offset
    else:
        draw, classes = TASKS[task]
        x, y = draw(rng, n)
    x = (np.clip(x, 0, 1) - 0.5) / 0.5
    return torch.from_numpy(np.ascontiguousarray(x, np.float32)), torch.from_numpy(y.astype(np.int64)), classes
