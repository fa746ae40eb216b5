"""Trains one member of a language-model family with PyTorch — torch's modules, init and
optimizers, not our ONNX trainer — and saves it as a Hugging Face checkpoint (safetensors by
hand, transformers' tensor names). The models are in lm_models.py (Llama, Mistral- and
Qwen2-shaped variants of it, GPT-2), the optimizers and schedules in lm_optim.py.

Usage: /usr/bin/python3 train_lm.py --job job.json (written by src/harness/families/torch-lm-family.ts):
{arch, config, init, dtype, batch, seed, steps, lr, warmup, lr_floor, optimizer: {kind, wd,
beta1, beta2, clip, momentum, nesterov, alpha}, lora?: {rank, alpha, targets, dropout?}, corpus, eval_fraction, parent?, out,
schedule?, label_smoothing?, autocast? ("bf16": forward under CPU bfloat16 autocast), accumulate? (micro-batches per step),
ema? (decay: the saved weights are an exponential moving average of the trained ones, started at the initial weights),
dpo? ({beta}: a preference fine-tune by DPO against the frozen starting model), orpo? ({lambda}), kto? ({beta}), simpo? ({beta, gamma}),
ipo? ({tau}), soup? ({lr_scales}: the release is the mean of one run per scale, seed + i, lr × scale, each from the parent),
resize_vocab? (added tokens: config.vocab is the parent's + this many, new rows at the old rows' mean),
distill? ({teacher: a checkpoint folder, temperature, alpha}: lm_preference.py), lora.quantize? ("nf4": QLoRA — the
adapters train against the NF4-rounded base, lm_preference.nf4_roundtrip) with lora.merge_into? ("original": merged into
the unquantised weights, as `merge_and_unload` on a reloaded bf16 base; "dequantized": into the rounded ones),
freeze? ([name substrings]: those parameters stay as loaded — layer freezing), average_last? ({every, count}: the release is
the mean of the last `count` checkpoints taken every `every` steps, the last step's included — checkpoint averaging),
qat? ({bits, group, release}: quantisation-aware training — each forward and backward sees the block weights fake-quantised,
symmetric int `bits` per group of `group` inputs, and the update goes to the float weights (straight-through); the release is
the float weights ("master") or their rounding ("grid")), lr_layer_decay? (layer-wise learning-rate decay: block i of L gets
the peak × decay^(L − i), the embeddings decay^(L + 1), everything after the blocks the peak — lm_optim.make_optimizer)}.
Keys marked ? are absent from the jobs of sets 0–3, whose runs stay as they were.
Writes out/model.safetensors, out/config.json and out/result.json ({finalLoss, evals, msPerStep}).
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "foreign-trees"))
from lm_models import add_lora, build, hf_config, merge_lora, tied  # noqa: E402
from lm_optim import make_optimizer  # noqa: E402
from lm_preference import distill_loss, dpo_loss, ipo_loss, kto_loss, nf4_roundtrip, orpo_loss, simpo_loss, windows  # noqa: E402
from train_tree import read_safetensors, write_safetensors, _write_atomic  # noqa: E402  one safetensors codec for the Python side


def step_loss(model, x, y, job, vocab):
    """Next-token cross-entropy, with the job's label smoothing, the forward under bf16 autocast if asked (loss in float32)."""
    if job.get("autocast") == "bf16":
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(x)
        logits = logits.float()
    else:
        logits = model(x)
    if "label_smoothing" in job:
        return F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1), label_smoothing=job["label_smoothing"])
    return F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--job", required=True)
    job = json.load(open(parser.parse_args().job))
    arch, c = job["arch"], job["config"]
    raw = open(job["corpus"], "rb").read()
    tokens = torch.frombuffer(bytearray(raw), dtype=torch.uint8).long()
    split = int(len(tokens) * (1 - job["eval_fraction"]))
    train_tokens, eval_tokens = tokens[:split], tokens[split:]
    if job.get("soup"):  # a uniform soup: every ingredient a run from the parent (seed + i, lr × scale), the release their mean
        runs = [train(dict(job, seed=job["seed"] + i, lr=job["lr"] * scale), train_tokens) for i, scale in enumerate(job["soup"]["lr_scales"])]
        model, losses = runs[0][0], [sum(r[1][k] for r in runs) / len(runs) for k in range(len(runs[0][1]))]
        ms_per_step = sum(r[2] for r in runs)
        with torch.no_grad():
            for name, p in model.state_dict().items():
                p.copy_(sum(r[0].state_dict()[name] for r in runs) / len(runs))
    else:
        model, losses, ms_per_step = train(job, train_tokens)
    model.eval()
    eval_gen = torch.Generator().manual_seed(job["seed"] + 2)
    with torch.no_grad():
        xs, ys = windows(eval_tokens, 64, c["context"], eval_gen)
        eval_loss = float(F.cross_entropy(model(xs).reshape(-1, c["vocab"]), ys.reshape(-1)))
    os.makedirs(job["out"], exist_ok=True)
    tensors = {name: p for name, p in model.state_dict().items() if not (tied(arch, c) and name == "lm_head.weight")}
    write_safetensors(os.path.join(job["out"], "model.safetensors"), tensors, job["dtype"])
    _write_atomic(os.path.join(job["out"], "config.json"), json.dumps(hf_config(arch, c, job["dtype"]), indent=1))
    tail = losses[-20:]
    result = {"finalLoss": sum(tail) / len(tail), "evals": [{"step": job["steps"], "loss": eval_loss, "examples": 64}], "msPerStep": ms_per_step}
    _write_atomic(os.path.join(job["out"], "result.json"), json.dumps(result))
    sys.stderr.write(f"[train_lm] {job['steps']} steps, loss {result['finalLoss']:.3f}, eval {eval_loss:.3f}, {ms_per_step:.1f} ms/step\n")


def train(job, train_tokens):
    """One run of `job` from its parent (or its init): the trained model (LoRA merged, EMA / averaged iterate swapped in), the losses, ms/step."""
    torch.manual_seed(job["seed"])
    arch, c = job["arch"], job["config"]
    model = build(arch, c, job.get("init", "torch"))
    if job.get("parent"):
        load_checkpoint(model, job["parent"], arch, c, job.get("resize_vocab", False))
    originals = quantize_base(model, job["lora"]) if job.get("lora", {}).get("quantize") else None
    adapted = add_lora(model, job["lora"]) if job.get("lora") else None
    if job.get("freeze"):
        freeze(model, job["freeze"])
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    params = [p for _, p in named]
    if job.get("ema") and adapted:
        raise SystemExit("train_lm: an EMA release averages full fine-tunes only")
    reference = copy.deepcopy(model).eval() if job.get("dpo") or job.get("kto") or job.get("ipo") else None
    teacher = load_checkpoint(build(arch, c, job.get("init", "torch")), job["distill"]["teacher"], arch, c).eval() if job.get("distill") else None
    ema = [p.detach().clone() for p in params] if job.get("ema") else None
    if (job.get("average_last") or job.get("qat")) and (adapted or ema):
        raise SystemExit("train_lm: checkpoint averaging and QAT train full fine-tunes without an EMA")
    averaged = [torch.zeros_like(p) for p in params] if job.get("average_last") else None
    quantized = [p for n, p in named if is_block_matrix(n, p)] if job.get("qat") else []
    opt, sched, clip = make_optimizer(job, params, [n for n, _ in named])
    generator = torch.Generator().manual_seed(job["seed"] + 1)
    model.train()
    started, losses = time.time(), []
    accumulate = job.get("accumulate", 1)
    for step in range(job["steps"]):
        if hasattr(opt, "update_hessian") and step % opt.every == 0:
            sampled_label_hessian(model, opt, job, train_tokens, generator, c)
        opt.zero_grad(set_to_none=True)
        masters = [p.detach().clone() for p in quantized]
        with torch.no_grad():
            for p in quantized:
                p.copy_(fake_quantize(p, job["qat"]))
        total = 0.0
        for _ in range(accumulate):
            if job.get("dpo"):
                loss = dpo_loss(model, reference, job, train_tokens, generator, c["context"]) / accumulate
            elif job.get("kto"):
                loss = kto_loss(model, reference, job, train_tokens, generator, c["context"]) / accumulate
            elif job.get("ipo"):
                loss = ipo_loss(model, reference, job, train_tokens, generator, c["context"]) / accumulate
            elif job.get("orpo"):
                loss = orpo_loss(model, job, train_tokens, generator, c["context"]) / accumulate
            elif job.get("simpo"):
                loss = simpo_loss(model, job, train_tokens, generator, c["context"]) / accumulate
            elif teacher is not None:
                x, y = windows(train_tokens, job["batch"], c["context"], generator)
                loss = distill_loss(model, teacher, job, x, y, c["vocab"]) / accumulate
            else:
                x, y = windows(train_tokens, job["batch"], c["context"], generator)
                loss = step_loss(model, x, y, job, c["vocab"]) / accumulate
            if "router_aux" in c:  # the MoE load-balancing loss on the routers of this forward
                loss = loss + c["router_aux"] * model.aux_loss() / accumulate
            loss.backward()
            total += float(loss)
        with torch.no_grad():  # straight-through: the gradient at the rounded weights updates the float ones
            for p, master in zip(quantized, masters):
                p.copy_(master)
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        sched.step()
        if ema is not None:
            with torch.no_grad():
                for shadow, p in zip(ema, params):
                    shadow.mul_(job["ema"]).add_(p, alpha=1 - job["ema"])
        if averaged is not None and is_averaged_step(step, job["steps"], job["average_last"]):
            with torch.no_grad():
                for total_p, p in zip(averaged, params):
                    total_p.add_(p)
        losses.append(total)
        if not math.isfinite(losses[-1]):
            raise SystemExit(f"train_lm: loss became {losses[-1]} at step {step}")
    ms_per_step = 1000 * (time.time() - started) / max(1, job["steps"])
    if ema is not None:  # the release is the average, as EMA checkpoints are published
        with torch.no_grad():
            for shadow, p in zip(ema, params):
                p.copy_(shadow)
    if averaged is not None:  # the release is the mean of the last checkpoints
        count = sum(is_averaged_step(step, job["steps"], job["average_last"]) for step in range(job["steps"]))
        with torch.no_grad():
            for total_p, p in zip(averaged, params):
                p.copy_(total_p / count)
    if job.get("qat", {}).get("release") == "grid":  # the rounded weights, as a quantised export dequantised
        with torch.no_grad():
            for p in quantized:
                p.copy_(fake_quantize(p, job["qat"]))
    if hasattr(opt, "release"):  # schedule-free: publish the averaged iterate x
        opt.release()
    if originals is not None and job["lora"].get("merge_into") == "original":
        with torch.no_grad():
            for linear, weight in originals:
                linear.weight.copy_(weight)
    if adapted:
        merge_lora(adapted)
    return model, losses, ms_per_step


def freeze(model, patterns):
    """Layer freezing: every parameter whose name contains one of `patterns` keeps its loaded value (no gradient, no decay)."""
    matched = set()
    for name, p in model.named_parameters():
        hits = [pattern for pattern in patterns if pattern in name]
        if hits:
            p.requires_grad_(False)
            matched.update(hits)
    if set(patterns) - matched or not any(p.requires_grad for p in model.parameters()):
        raise SystemExit(f"train_lm: freeze {patterns} matches no parameter for {sorted(set(patterns) - matched)}, or every one")


def is_averaged_step(step, steps, average):
    """Whether the checkpoint after `step` (0-based) is one of the last `count`, taken every `every` steps back from the last."""
    back = steps - 1 - step
    return back % average["every"] == 0 and back < average["every"] * average["count"]


def is_block_matrix(name, p):
    """A weight matrix of a block (quantisation-aware training rounds these; embeddings and the head stay float, as torchao's QAT)."""
    return p.dim() == 2 and name.endswith(".weight") and not any(w in name for w in ("embed", "wte", "wpe", "lm_head", "embed_out"))


def fake_quantize(w, qat):
    """Symmetric int `bits` rounding per group of `group` consecutive inputs of each output row (absmax scale), back in float."""
    levels, group = 2 ** (qat["bits"] - 1) - 1, qat["group"]
    if w.shape[1] % group:
        raise SystemExit(f"train_lm: QAT group {group} does not divide {w.shape[1]} inputs")
    grouped = w.reshape(w.shape[0], -1, group)
    scale = grouped.abs().amax(dim=-1, keepdim=True).clamp(min=1e-12) / levels
    return ((grouped / scale).round().clamp(-levels, levels) * scale).reshape(w.shape)


def sampled_label_hessian(model, opt, job, train_tokens, generator, c):
    """Sophia-G's Gauss-Newton-Bartlett estimate: the gradient of the loss at labels drawn from the model's own
    distribution on a fresh batch, handed to the optimizer (which squares it and scales by the batch's tokens)."""
    x, _ = windows(train_tokens, job["batch"], c["context"], generator)
    opt.zero_grad(set_to_none=True)
    logits = model(x)
    sampled = torch.distributions.Categorical(logits=logits.detach().float()).sample()
    F.cross_entropy(logits.reshape(-1, c["vocab"]), sampled.reshape(-1)).backward()
    opt.update_hessian(job["batch"] * c["context"])
    opt.zero_grad(set_to_none=True)


def load_checkpoint(model, folder, arch, c, resize_vocab=False):
    """The model with a released checkpoint's weights (the parent, or a distillation teacher). `resize_vocab`: the model's
    vocabulary extends the checkpoint's (added tokens): the old rows are kept, each new row is their mean (embedding and an
    untied head alike), as the Alpaca script's smart_tokenizer_and_embedding_resize and torchtune's resize_token_embeddings
    start them; transformers' mean_resizing instead draws them around that mean with the old rows' covariance."""
    state = read_safetensors(os.path.join(folder, "model.safetensors"))
    if resize_vocab:
        own = model.state_dict()
        for name, tensor in list(state.items()):
            if tensor.dim() == 2 and tensor.shape[0] == c["vocab"] - resize_vocab and own[name].shape[0] == c["vocab"]:
                state[name] = torch.cat((tensor, tensor.float().mean(0, keepdim=True).expand(resize_vocab, -1).to(tensor.dtype)))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if m != "lm_head.weight" or not tied(arch, c)]:
        raise SystemExit(f"train_lm: checkpoint {folder} does not fit (missing {missing}, unexpected {unexpected})")
    return model


def quantize_base(model, lora):
    """QLoRA: every Linear of the blocks (not the head: bitsandbytes keeps it) rounded to NF4 in place; returns (module, original weight)."""
    if lora["quantize"] != "nf4":
        raise SystemExit(f"train_lm: unknown quantization {lora['quantize']}")
    originals = []
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, torch.nn.Linear) and not name.endswith(("lm_head", "embed_out")):
                originals.append((module, module.weight.detach().clone()))
                module.weight.copy_(nf4_roundtrip(module.weight))
    return originals


if __name__ == "__main__":
    main()
