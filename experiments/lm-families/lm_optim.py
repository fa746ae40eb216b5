"""Optimizers and learning-rate schedules of train_lm.py: torch.optim's own (Adamax among them), and six torch 1.13
does not ship, written here in torch as their papers define them (Lion; Adafactor; LAMB; Muon;
schedule-free AdamW; Sophia).

A job's `schedule` (absent: "cosine", what sets 0–3 used) is a LambdaLR factor of the peak:
- cosine:       linear warmup, cosine to `floor` × peak at the last step (Llama 2);
- linear:       linear warmup, linear decay to `floor` (transformers' get_linear_schedule_with_warmup);
- constant:     linear warmup, then the peak (transformers' constant_with_warmup, common in SFT);
- wsd:          warmup, stable at the peak, linear decay to `floor` over the last 20 % (MiniCPM's warmup-stable-decay);
- inverse-sqrt: warmup, then peak × √(warmup / step) (the T5 / fairseq schedule);
- cosine-restarts: warmup, then three equal cosine cycles from the peak to `floor`, each
  restarting at the peak (SGDR, Loshchilov & Hutter 2017, T_mult 1).
"""
import math
import re

import torch


class TensorWise(torch.optim.Optimizer):
    """The step loop Lion, Adafactor, LAMB and Muon share (as torch.optim's own): every parameter with a
    gradient, in group order, is updated in place by the subclass's `update(p, grad, state, group)`."""

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, self.state[p], group)


def adam_moments(p, grad, state, beta1, beta2):
    """Adam's moments of `p` kept in `state` (made at its first step), updated with `grad`: the
    bias-corrected first moment and the square root of the bias-corrected second (LAMB, Muon's AdamW part)."""
    if "m" not in state:
        state["step"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
    state["step"] += 1
    m, v, t = state["m"], state["v"], state["step"]
    m.mul_(beta1).add_(grad, alpha=1 - beta1)
    v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    return m / (1 - beta1**t), (v / (1 - beta2**t)).sqrt()


class Lion(TensorWise):
    """Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Alg. 2): the update
    is the sign of an interpolation of momentum and gradient; decoupled weight decay."""

    def __init__(self, params, lr, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    def update(self, p, grad, state, group):
        beta1, beta2 = group["betas"]
        if "exp_avg" not in state:
            state["exp_avg"] = torch.zeros_like(p)
        m = state["exp_avg"]
        p.mul_(1 - group["lr"] * group["weight_decay"])
        p.add_(torch.sign(m * beta1 + grad * (1 - beta1)), alpha=-group["lr"])
        m.mul_(beta2).add_(grad, alpha=1 - beta2)


class Adafactor(TensorWise):
    """Adafactor (Shazeer & Stern 2018, Alg. 4) with an external learning rate (no relative step,
    no parameter scaling, no momentum: transformers' recommended fine-tuning settings):
    a matrix keeps row and column means of g² (β2 = 1 − t^decay), the update g / √v̂ is
    clipped to RMS ≤ `clip_threshold`."""

    def __init__(self, params, lr, decay_rate=-0.8, clip_threshold=1.0, eps=1e-30, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, decay_rate=decay_rate, clip_threshold=clip_threshold, eps=eps, weight_decay=weight_decay))

    def update(self, p, grad, state, group):
        state["step"] = state.get("step", 0) + 1
        beta2 = 1.0 - state["step"] ** group["decay_rate"]
        squared = grad * grad + group["eps"]
        if p.dim() >= 2:
            if "row" not in state:
                state["row"], state["col"] = torch.zeros(p.shape[:-1]), torch.zeros(p.shape[:-2] + p.shape[-1:])
            row, col = state["row"], state["col"]
            row.mul_(beta2).add_(squared.mean(-1), alpha=1 - beta2)
            col.mul_(beta2).add_(squared.mean(-2), alpha=1 - beta2)
            v = (row / row.mean(-1, keepdim=True)).unsqueeze(-1) * col.unsqueeze(-2)
        else:
            if "v" not in state:
                state["v"] = torch.zeros_like(p)
            v = state["v"].mul_(beta2).add_(squared, alpha=1 - beta2)
        update = grad * v.rsqrt()
        update.div_(max(1.0, float(update.pow(2).mean().sqrt()) / group["clip_threshold"]))
        if group["weight_decay"]:
            p.mul_(1 - group["lr"] * group["weight_decay"])
        p.add_(update, alpha=-group["lr"])


class Lamb(TensorWise):
    """LAMB (You et al. 2020, Alg. 2): Adam's bias-corrected update plus decoupled weight decay,
    scaled per tensor by the trust ratio ‖w‖ / ‖update‖ (1 where either norm is 0)."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def update(self, p, grad, state, group):
        m_hat, v_root = adam_moments(p, grad, state, *group["betas"])
        update = m_hat / (v_root + group["eps"]) + group["weight_decay"] * p
        w_norm, u_norm = float(p.norm()), float(update.norm())
        trust = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        p.add_(update, alpha=-group["lr"] * trust)


def newton_schulz(g, steps=5):
    """Muon's orthogonalisation: the quintic Newton–Schulz iteration (coefficients 3.4445, −4.7750,
    2.0315, Jordan et al. 2024) maps G / ‖G‖_F towards U Vᵀ of its SVD."""
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g / (g.norm() + 1e-7)
    wide = x.shape[0] > x.shape[1]
    if wide:
        x = x.t()
    for _ in range(steps):
        gram = x @ x.t()
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.t() if wide else x


class Muon(TensorWise):
    """Muon (Jordan et al. 2024) on the hidden matrices: Nesterov momentum (0.95), its update
    orthogonalised by newton_schulz and scaled by 0.2·√max(rows, cols) so its RMS matches AdamW's
    (Moonlight, Liu et al. 2025: one learning rate and weight decay serve both); the other
    parameters (embeddings, head, norms, biases) by AdamW. Decoupled weight decay on all."""

    def __init__(self, hidden, rest, lr, momentum=0.95, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        groups = [dict(params=hidden, muon=True), dict(params=rest, muon=False)]
        super().__init__(groups, dict(lr=lr, momentum=momentum, betas=betas, eps=eps, weight_decay=weight_decay))

    def update(self, p, grad, state, group):
        p.mul_(1 - group["lr"] * group["weight_decay"])
        if group["muon"]:
            buf = state.setdefault("momentum", torch.zeros_like(p))
            buf.mul_(group["momentum"]).add_(grad)
            update = newton_schulz(grad + group["momentum"] * buf) * (0.2 * max(p.shape) ** 0.5)
            p.add_(update, alpha=-group["lr"])
            return
        m_hat, v_root = adam_moments(p, grad, state, *group["betas"])
        p.addcdiv_(m_hat, v_root + group["eps"], value=-group["lr"])


class ScheduleFreeAdamW(torch.optim.Optimizer):
    """Schedule-free AdamW (Defazio et al. 2024, "The Road Less Scheduled", Alg. 1 with Adam's
    normalisation): gradients at y = (1 − β1) z + β1 x, z the base iterate, x its average weighted
    by lr_max² (warmup through the job's constant schedule); decay applied at y. The parameters
    hold y while training; `release` swaps in x, the weights one evaluates and publishes."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, lr_max=0.0, weight_sum=0.0, k=0))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr = group["lr"]
            group["lr_max"] = max(lr, group["lr_max"])
            weight = group["lr_max"] ** 2
            group["weight_sum"] += weight
            ckp1 = weight / group["weight_sum"] if group["weight_sum"] > 0 else 0.0
            group["k"] += 1
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "z" not in state:
                    state["z"], state["x"], state["v"] = p.clone(), p.clone(), torch.zeros_like(p)
                z, x, v = state["z"], state["x"], state["v"]
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                step = p.grad / ((v / (1 - beta2 ** group["k"])).sqrt() + group["eps"]) + group["weight_decay"] * p
                z.sub_(step, alpha=lr)
                x.mul_(1 - ckp1).add_(z, alpha=ckp1)
                p.copy_(x * beta1 + z * (1 - beta1))

    @torch.no_grad()
    def release(self):
        for group in self.param_groups:
            for p in group["params"]:
                if "x" in self.state[p]:
                    p.copy_(self.state[p]["x"])


class Sophia(TensorWise):
    """Sophia-G (Liu et al. 2023, "Sophia: A Scalable Stochastic Second-order Optimizer", Alg. 3): an EMA of the
    gradient divided by an EMA of a diagonal Hessian estimate, clipped element-wise to [−1, 1]; decoupled decay.
    The estimate (Gauss-Newton-Bartlett: batch × ĝ², ĝ the gradient of the loss at labels sampled from the model)
    is refreshed every `every` steps by train_lm.py through `update_hessian`."""

    def __init__(self, params, lr, betas=(0.965, 0.99), rho=0.04, every=10, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, rho=rho, weight_decay=weight_decay))
        self.every = every

    @torch.no_grad()
    def update_hessian(self, batch):
        """Folds batch × grad² (the gradients now held: the sampled-label loss's) into each parameter's Hessian EMA."""
        for group in self.param_groups:
            beta2 = group["betas"][1]
            for p in group["params"]:
                if p.grad is not None:
                    h = self.state[p].setdefault("hessian", torch.zeros_like(p))
                    h.mul_(beta2).addcmul_(p.grad, p.grad, value=(1 - beta2) * batch)

    def update(self, p, grad, state, group):
        m = state.setdefault("exp_avg", torch.zeros_like(p))
        h = state.setdefault("hessian", torch.zeros_like(p))
        m.mul_(group["betas"][0]).add_(grad, alpha=1 - group["betas"][0])
        p.mul_(1 - group["lr"] * group["weight_decay"])
        # The paper's update: clip(m / max(ρ · b · h, ε), 1) with the batch folded into h already.
        p.add_((m / (group["rho"] * h).clamp(min=1e-15)).clamp(-1, 1), alpha=-group["lr"])


def schedule(kind, warmup, total, floor):
    """The LambdaLR factor of `kind` (see the module doc)."""
    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        if kind == "cosine":
            return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        if kind == "linear":
            return floor + (1 - floor) * (1 - progress)
        if kind == "constant":
            return 1.0
        if kind == "wsd":
            decay_from = 0.8 * total
            return 1.0 if step < decay_from else floor + (1 - floor) * (total - step) / max(1, total - decay_from)
        if kind == "inverse-sqrt":
            return math.sqrt(warmup / (step + 1))
        if kind == "cosine-restarts":
            cycle = (progress * 3) % 1.0
            return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * cycle))
        raise SystemExit(f"train_lm: unknown schedule {kind}")
    return factor


def layer_decay_groups(job, params, names):
    """Layer-wise learning-rate decay (ELECTRA, BEiT): one parameter group per depth, block i of L (0-based) at the peak ×
    decay^(L − i), the embeddings at decay^(L + 1), the final norm and head at the peak."""
    decay, depth = job["lr_layer_decay"], job["config"]["depth"]
    groups = {}
    for name, p in zip(names, params):
        block = re.search(r"\.(?:layers|h|blocks)\.(\d+)\.", name)
        level = int(block.group(1)) + 1 if block else 0 if any(w in name for w in ("embed_tokens", "wte", "wpe", "word_embeddings")) else depth + 1
        groups.setdefault(level, []).append(p)
    return [{"params": group, "lr": job["lr"] * decay ** (depth + 1 - level)} for level, group in sorted(groups.items())]


def make_optimizer(job, params, names=None):
    """The job's optimizer, schedule and clip; `names` (parallel to params) tells Muon the hidden matrices and layer-wise decay the depths."""
    o = job["optimizer"]
    betas = (o.get("beta1", 0.9), o.get("beta2", 0.999))
    if job.get("lr_layer_decay"):
        if o["kind"] not in ("adamw", "adam", "adamax"):
            raise SystemExit("train_lm: layer-wise learning-rate decay is written for Adam-family optimizers")
        params = layer_decay_groups(job, params, names)
    if o["kind"] == "adamw":
        opt = torch.optim.AdamW(params, lr=job["lr"], betas=betas, weight_decay=o.get("wd", 0.01))
    elif o["kind"] == "adam":
        opt = torch.optim.Adam(params, lr=job["lr"], betas=betas)
    elif o["kind"] == "sgd":
        opt = torch.optim.SGD(params, lr=job["lr"], momentum=o.get("momentum", 0.9), nesterov=o.get("nesterov", False), weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "rmsprop":  # torch's defaults (α 0.99, no momentum) unless the job sets them
        opt = torch.optim.RMSprop(params, lr=job["lr"], alpha=o.get("alpha", 0.99), momentum=o.get("momentum", 0.0), weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "adamax":  # Adam with the ∞-norm of the gradients in place of the second moment (Kingma & Ba, §7.1)
        opt = torch.optim.Adamax(params, lr=job["lr"], betas=betas, weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "adagrad":
        opt = torch.optim.Adagrad(params, lr=job["lr"], weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "nadam":
        opt = torch.optim.NAdam(params, lr=job["lr"], betas=betas, weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "radam":
        opt = torch.optim.RAdam(params, lr=job["lr"], betas=betas, weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "lion":  # the paper's defaults β 0.9/0.99
        opt = Lion(params, lr=job["lr"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.99)), weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "adafactor":
        opt = Adafactor(params, lr=job["lr"], weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "lamb":
        opt = Lamb(params, lr=job["lr"], betas=betas, weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "muon":  # hidden = a 2-D matrix that is neither an embedding nor the head (Muon's split)
        hidden = [n is not None and p.dim() == 2 and not any(w in n for w in ("embed", "wte", "lm_head")) for n, p in zip(names or [None] * len(params), params)]
        opt = Muon([p for p, h in zip(params, hidden) if h], [p for p, h in zip(params, hidden) if not h], lr=job["lr"],
                   momentum=o.get("momentum", 0.95), betas=betas, weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "sophia":  # the paper's GPT-2 settings: β 0.965/0.99, ρ 0.04, Hessian every 10 steps
        opt = Sophia(params, lr=job["lr"], betas=(o.get("beta1", 0.965), o.get("beta2", 0.99)), rho=o.get("rho", 0.04), every=o.get("every", 10),
                     weight_decay=o.get("wd", 0.0))
    elif o["kind"] == "adamw-schedulefree":
        opt = ScheduleFreeAdamW(params, lr=job["lr"], betas=betas, weight_decay=o.get("wd", 0.0))
    else:
        raise SystemExit(f"train_lm: unknown optimizer {o['kind']}")
    factor = schedule(job.get("schedule", "cosine"), max(1, job["warmup"]), job["steps"], job["lr_floor"])
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor), o.get("clip")
