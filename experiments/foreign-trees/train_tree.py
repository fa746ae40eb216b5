"""Trains one model tree with PyTorch, the way other people train theirs, for
experiments/foreign-trees.ts: can `mother recover` recover trees it did not make?

Deliberately NOT our ONNX trainer's recipe: torch default initialisation (nn.Linear's
kaiming-uniform, not trunc-normal 0.02), torch.optim optimizers and lr_scheduler schedules,
procedural tasks that are not the ones in datasets/, new classification heads per fine-tune
(as ViTForImageClassification does), and checkpoints written by hand in the safetensors
format with Hugging Face ViT parameter names.

    /usr/bin/python3 train_tree.py --out DIR --recipe NAME [--quick] [--threads 1]

Writes DIR/<model-id>/{config.json, model.safetensors} for every model of the tree, then
DIR/truth.json ({"models":[{"id","stage","tree"}],"edges":[{"parent","child"}]}, the format
`mother evaluate --truth` reads). Model ids are opaque (recipe + 4 hex digits) so that
nothing in a name or in sort order gives the tree away. Deterministic from the recipe's
seed with one torch thread; resumable: a model whose model.safetensors exists is loaded,
not retrained; every file is written to a temp name and renamed into place.
Progress lines go to stderr. The pieces beside this file: procedural_tasks.py (the data),
vit_model.py (the model and LoRA), recipes.py (optimizers, schedules, presets), safetensors_io.py.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from procedural_tasks import CHANNELS, IMAGE, MIXTURE, TASKS, make_data
from recipes import RECIPES, SIZES, optimizer_for
from safetensors_io import _write_atomic, read_safetensors, write_safetensors  # train_lm.py imports these from here too
from vit_model import ARCH, LoraLinear, VitForImageClassification, hf_init


def train(model, params, task, steps, batch, phase, seed, label):
    x, y, _ = make_data(task, SIZE["samples"], seed)
    generator = torch.Generator().manual_seed(seed)
    opt, sched, clip = optimizer_for(phase, params, steps)
    model.train()
    started, losses = time.time(), []
    for step in range(steps):
        idx = torch.randint(0, len(y), (batch,), generator=generator)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        sched.step()
        losses.append(float(loss))
        if not math.isfinite(losses[-1]):
            raise SystemExit(f"train_tree: {label}: loss became {losses[-1]} at step {step}")
    model.eval()
    tx, ty, _ = make_data(task, 512, seed + 7919)
    with torch.no_grad():
        accuracy = float((model(tx).argmax(1) == ty).float().mean())
    tail = sum(losses[-20:]) / len(losses[-20:])
    log(f"{label}: {task}, {steps} steps of {batch}: loss {tail:.3f}, held-out accuracy {accuracy:.2f}, {time.time() - started:.1f} s")


def log(message):
    sys.stderr.write(f"[train_tree] {message}\n")
    sys.stderr.flush()


def save(folder, model, task, classes, dtype, parent):
    os.makedirs(folder, exist_ok=True)
    config = {
        "architectures": ["ViTForImageClassification"], "model_type": "vit", "hidden_size": ARCH["dim"],
        "num_hidden_layers": ARCH["depth"], "num_attention_heads": ARCH["heads"], "intermediate_size": ARCH["mlp"],
        "hidden_act": "gelu", "layer_norm_eps": 1e-12, "image_size": IMAGE, "patch_size": ARCH["patch"], "num_channels": CHANNELS,
        "id2label": {str(i): f"{task}-{i}" for i in range(classes)}, "torch_dtype": "bfloat16" if dtype == "BF16" else "float32",
        "_name_or_path": parent or "",
    }
    _write_atomic(os.path.join(folder, "config.json"), json.dumps(config, indent=1))
    write_safetensors(os.path.join(folder, "model.safetensors"), model.state_dict(), dtype)


def build_tree(out, recipe_name):
    recipe = RECIPES[recipe_name]
    rng = np.random.default_rng(recipe["seed"])
    ids = set()

    def new_id():
        while True:
            mid = f"{recipe_name}-{rng.integers(0, 16 ** 4):04x}"
            if mid not in ids:
                ids.add(mid)
                return mid

    task_names = list(TASKS)
    root = {"id": new_id(), "task": MIXTURE, "parent": None, "stage": "generalization"}
    nodes = [root]
    child_tasks = rng.permutation(task_names)[:SIZE["children"]]
    for c, task in enumerate(child_tasks):
        child = {"id": new_id(), "task": str(task), "parent": root["id"], "stage": "specialization"}
        nodes.append(child)
        for _ in range(SIZE["grandchildren"][c]):
            others = [t for t in task_names if t != task]
            nodes.append({"id": new_id(), "task": str(others[rng.integers(0, len(others))]), "parent": child["id"], "stage": "specialization"})
    for n, node in enumerate(nodes):
        node["seed"] = recipe["seed"] * 1000 + n
        node["steps"] = SIZE["root_steps"] * recipe.get("root_steps_factor", 1) if node["parent"] is None else int(round(SIZE["finetune_steps"] * rng.choice([0.75, 1.0, 1.5])))
        node["batch"] = SIZE["root_batch"] if node["parent"] is None else int(rng.choice([32, 64]))

    for node in nodes:
        folder = os.path.join(out, node["id"])
        if os.path.exists(os.path.join(folder, "model.safetensors")):
            log(f"{node['id']}: cached")
            continue
        torch.manual_seed(node["seed"])
        classes = make_data(node["task"], 8, 0)[2]
        model = VitForImageClassification(ARCH, classes)
        if recipe.get("init") == "hf":
            hf_init(model)
        label = f"{recipe_name} {node['id']} ({'root' if node['parent'] is None else 'from ' + node['parent']})"
        if node["parent"] is None:
            train(model, list(model.parameters()), node["task"], node["steps"], node["batch"], recipe["pretrain"], node["seed"], label)
        else:
            state = read_safetensors(os.path.join(out, node["parent"], "model.safetensors"))
            body = {k: v for k, v in state.items() if not k.startswith("classifier.")}
            missing, _ = model.load_state_dict(body, strict=False)
            assert sorted(missing) == ["classifier.bias", "classifier.weight"], missing
            phase = recipe["finetune"]
            if "lora" in phase:
                train_lora(model, node, phase, label)
            else:
                train(model, list(model.parameters()), node["task"], node["steps"], node["batch"], phase, node["seed"], label)
        save(folder, model, node["task"], classes, recipe["dtype"], node["parent"])

    truth = {
        "recipe": recipe_name,
        "models": [{"id": n["id"], "stage": n["stage"], "tree": recipe_name, "task": n["task"], "steps": n["steps"]} for n in nodes],
        "edges": [{"parent": n["parent"], "child": n["id"]} for n in nodes if n["parent"] is not None],
    }
    _write_atomic(os.path.join(out, "truth.json"), json.dumps(truth, indent=1) + "\n")


def train_lora(model, node, phase, label):
    """LoRA on query and value (peft's default targets for ViT), the new head trained fully
    (peft modules_to_save=["classifier"]), then merged: W + B A · α/r."""
    spec = phase["lora"]
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.vit.encoder.layer:
        a = layer.attention.attention
        a.query = LoraLinear(a.query, spec["rank"], spec["alpha"], spec["dropout"])
        a.value = LoraLinear(a.value, spec["rank"], spec["alpha"], spec["dropout"])
    for p in model.classifier.parameters():
        p.requires_grad_(True)
    params = [p for p in model.parameters() if p.requires_grad]
    train(model, params, node["task"], node["steps"], node["batch"], phase, node["seed"], label)
    for layer in model.vit.encoder.layer:
        a = layer.attention.attention
        a.query, a.value = a.query.merged(), a.value.merged()


def main():
    global SIZE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--recipe", required=True, choices=sorted(RECIPES))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    SIZE = SIZES["quick" if args.quick else "full"]
    os.makedirs(args.out, exist_ok=True)
    build_tree(args.out, args.recipe)


SIZE = SIZES["full"]

if __name__ == "__main__":
    main()
