"""The preference and distillation objectives of train_lm.py, each on synthetic preferences: the
chosen sequence is a window of the corpus, the rejected one shares its first half (the prompt)
and continues with another window's second half (an off-topic answer).

- dpo:     DPO (Rafailov et al. 2023, eq. 7) against the frozen starting model; with `label_smoothing` ε the
           conservative cDPO form (labels flipped with probability ε);
- orpo:    ORPO (Hong et al. 2024, eq. 6–7): the chosen answer's NLL plus λ · −log σ(log odds
           ratio), odds from the length-normalised answer likelihood; no reference model;
- kto:     KTO (Ethayarajh et al. 2024, eq. 8): unpaired — desirable (chosen) and undesirable
           (rejected) answers scored by their log-ratio to the frozen start against the reference
           point z0 = max(0, mean log-ratio of mismatched answers), detached; λ_D = λ_U = 1;
- simpo:   SimPO (Meng et al. 2024, eq. 6): −log σ(β · (mean-token log p of the chosen answer − of the
           rejected one) − γ); no reference model;
- ipo:     IPO (Azar et al. 2023, eq. 17) as TRL computes it: (h − 1/(2τ))², h the difference of the
           answers' mean-token log-ratios to the frozen starting model;
- distill: knowledge distillation (Hinton et al. 2015) from a frozen teacher (a sibling release):
           α · T² · KL(teacher_T ‖ student_T) + (1 − α) · cross-entropy.
"""
import torch
import torch.nn.functional as F


def windows(tokens, batch, context, generator):
    starts = torch.randint(0, len(tokens) - context - 1, (batch,), generator=generator)
    rows = torch.stack([tokens[s:s + context + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def token_logp(model, x, y, start):
    """log p(y_t | x_≤t) at positions ≥ `start`, [batch, positions]."""
    return F.log_softmax(model(x).float(), dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)[:, start:]


def sequence_logp(model, x, y, start):
    """Σ log p(y_t | x_≤t) over positions ≥ `start`, one number per row."""
    return token_logp(model, x, y, start).sum(-1)


def preference_pair(tokens, batch, context, generator):
    """(x, y) chosen, (x_rejected, y_rejected) rejected, and the answer's first position."""
    x, y = windows(tokens, batch, context, generator)
    _, other = windows(tokens, batch, context, generator)
    half = context // 2
    y_rejected = torch.cat((y[:, :half], other[:, half:]), dim=1)
    x_rejected = torch.cat((x[:, :1], y_rejected[:, :-1]), dim=1)
    return x, y, x_rejected, y_rejected, half


def dpo_loss(model, reference, job, tokens, generator, context):
    x, y, x_rejected, y_rejected, half = preference_pair(tokens, job["batch"], context, generator)
    with torch.no_grad():
        ref_chosen, ref_rejected = sequence_logp(reference, x, y, half), sequence_logp(reference, x_rejected, y_rejected, half)
    margin = (sequence_logp(model, x, y, half) - ref_chosen) - (sequence_logp(model, x_rejected, y_rejected, half) - ref_rejected)
    if "label_smoothing" in job["dpo"]:  # conservative DPO (Mitchell 2023, TRL's label_smoothing): each label flipped with probability ε
        eps = job["dpo"]["label_smoothing"]
        return (-(1 - eps) * F.logsigmoid(job["dpo"]["beta"] * margin) - eps * F.logsigmoid(-job["dpo"]["beta"] * margin)).mean()
    return -F.logsigmoid(job["dpo"]["beta"] * margin).mean()


def orpo_loss(model, job, tokens, generator, context):
    x, y, x_rejected, y_rejected, half = preference_pair(tokens, job["batch"], context, generator)
    chosen, rejected = token_logp(model, x, y, half), token_logp(model, x_rejected, y_rejected, half)
    log_odds = lambda logp: logp - torch.log1p(-torch.exp(logp).clamp(max=1 - 1e-6))  # log(p / (1 − p)), p the mean-token likelihood
    ratio = log_odds(chosen.mean(-1)) - log_odds(rejected.mean(-1))
    return -chosen.mean() - job["orpo"]["lambda"] * F.logsigmoid(ratio).mean()


def simpo_loss(model, job, tokens, generator, context):
    x, y, x_rejected, y_rejected, half = preference_pair(tokens, job["batch"], context, generator)
    chosen, rejected = token_logp(model, x, y, half).mean(-1), token_logp(model, x_rejected, y_rejected, half).mean(-1)
    return -F.logsigmoid(job["simpo"]["beta"] * (chosen - rejected) - job["simpo"]["gamma"]).mean()


def ipo_loss(model, reference, job, tokens, generator, context):
    x, y, x_rejected, y_rejected, half = preference_pair(tokens, job["batch"], context, generator)
    with torch.no_grad():
        ref_chosen, ref_rejected = token_logp(reference, x, y, half).mean(-1), token_logp(reference, x_rejected, y_rejected, half).mean(-1)
    h = (token_logp(model, x, y, half).mean(-1) - ref_chosen) - (token_logp(model, x_rejected, y_rejected, half).mean(-1) - ref_rejected)
    return ((h - 1 / (2 * job["ipo"]["tau"])) ** 2).mean()


def kto_loss(model, reference, job, tokens, generator, context):
    x, y, x_rejected, y_rejected, half = preference_pair(tokens, job["batch"], context, generator)
    with torch.no_grad():
        ref_chosen, ref_rejected = sequence_logp(reference, x, y, half), sequence_logp(reference, x_rejected, y_rejected, half)
    desirable = sequence_logp(model, x, y, half) - ref_chosen
    undesirable = sequence_logp(model, x_rejected, y_rejected, half) - ref_rejected
    z0 = undesirable.detach().mean().clamp(min=0)  # the rejected answers are the mismatched (prompt, answer) pairs
    beta = job["kto"]["beta"]
    return (1 - torch.sigmoid(beta * (desirable - z0))).mean() + (1 - torch.sigmoid(beta * (z0 - undesirable))).mean()


def distill_loss(model, teacher, job, x, y, vocab):
    t, alpha = job["distill"]["temperature"], job["distill"]["alpha"]
    logits = model(x).float()
    with torch.no_grad():
        target = F.softmax(teacher(x).float() / t, dim=-1)
    kl = F.kl_div(F.log_softmax(logits / t, dim=-1).reshape(-1, vocab), target.reshape(-1, vocab), reduction="batchmean")
    return alpha * t * t * kl + (1 - alpha) * F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))


def nf4_codebook():
    """QLoRA's 4-bit NormalFloat (Dettmers et al. 2023, §3): 8 positive and 7 negative quantiles of
    N(0, 1) at evenly spaced probabilities from 0.9677 to ½ (bitsandbytes' create_normal_map), and 0,
    scaled to [−1, 1]."""
    offset = 0.9677083
    positive = torch.special.ndtri(torch.linspace(offset, 0.5, 9, dtype=torch.float64)[:-1])
    negative = -torch.special.ndtri(torch.linspace(offset, 0.5, 8, dtype=torch.float64)[:-1])
    values = torch.cat((positive, torch.zeros(1, dtype=torch.float64), negative)).sort().values
    return (values / values.max()).float()


def nf4_roundtrip(weight, block=64):
    """The weight as a QLoRA base sees it: blocks of `block` values scaled by their absmax, each
    rounded to the nearest NF4 code, then dequantised (no double quantisation of the scales)."""
    flat = weight.detach().reshape(-1, block)
    scale = flat.abs().amax(-1, keepdim=True).clamp(min=1e-12)
    codes = nf4_codebook()
    nearest = (flat / scale).unsqueeze(-1).sub(codes).abs().argmin(-1)
    return (codes[nearest] * scale).reshape(weight.shape)
