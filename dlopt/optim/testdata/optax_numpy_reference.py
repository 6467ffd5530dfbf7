"""A second implementation of optax's optimizers (and of the torch 2.x optimizers torch 1.13
lacks) in numpy, written from their source, for dlopt's keyword tests (keywords_test.go): every
keyword dlopt reads is run here at a non-default value and compared with dlopt's trajectory.
TestKeywordsNumpy first checks this file against the oracle (real optax 0.2.8, torch 2.11).

Written from google-deepmind/optax (the 0.2.x line): optax/_src/alias.py (one function per
optimizer: the chains in ALIASES below), optax/_src/transform.py (the scale_by_* functions, same
names here), optax/_src/factorized.py (scale_by_factored_rms), optax/_src/clipping.py
(clip_by_block_rms), optax/transforms/_adding.py (add_decayed_weights),
optax/transforms/_accumulation.py (trace, ema), optax/schedules/_schedule.py
(warmup_constant_schedule), optax/contrib/_schedule_free.py, _acprop.py, _adopt.py,
_ademamix.py, _madgrad.py, _cocob.py, _dog.py, _prodigy.py, _dadapt_adamw.py and _muon.py; and
from pytorch/pytorch: torch/optim/nadam.py (_single_tensor_nadam), _adafactor.py
(_single_tensor_adafactor), _muon.py (_single_tensor_muon, _zeropower_via_newtonschulz,
_adjust_lr). Each function names the function it follows. It shares no code with dlopt.

stdin:  {"x0": [...], "shape": [...], "grads": [[...], ...], "cases": [{"name": "rmsprop",
         "kwargs": {...}}, ...]}
stdout: {"results": [{"trajectory": [[...], ...], "eval": [[...], ...] or null}, ...]}
Run with Debian's /usr/bin/python3 (python3-numpy); float64 throughout.
"""
import json
import sys

import numpy as np


class Transform:
    """optax.GradientTransformation: init(params) -> state; update(g, state, params)."""

    def __init__(self, init, update):
        self.init, self.update = init, update


def stateless(f):
    return Transform(lambda p: None, lambda g, s, p: (f(g, p), s))


def chain(*ts):
    """optax._src.combine.chain."""
    return Transform(lambda p: [t.init(p) for t in ts], lambda g, s, p: _chain_update(ts, g, s, p))


def _chain_update(ts, g, states, p):
    new = []
    for t, s in zip(ts, states):
        g, s = t.update(g, s, p)
        new.append(s)
    return g, new


def identity():
    return stateless(lambda g, p: g)


def bias_correction(moment, decay, count):
    """optax.tree.bias_correction: moment / (1 - decay**count)."""
    return moment / (1 - decay ** count)


def scale(step):
    """transform.scale."""
    return stateless(lambda g, p: step * g)


def scale_by_learning_rate(lr, flip_sign=True):
    """transform.scale_by_learning_rate: a schedule is evaluated at its own count from 0."""
    m = -1 if flip_sign else 1
    if not callable(lr):
        return scale(m * lr)

    def update(g, count, p):
        return m * lr(count) * g, count + 1

    return Transform(lambda p: 0, update)


def warmup_constant_schedule(init_value, peak_value, warmup_steps):
    """optax.schedules.warmup_constant_schedule: linear_schedule(init, peak, warmup) joined
    with constant(peak) at warmup_steps (polynomial_schedule with power 1, count clipped)."""

    def lr(count):
        if count >= warmup_steps:
            return peak_value
        frac = 1 - count / warmup_steps
        return (init_value - peak_value) * frac + peak_value

    return lr


def trace(decay, nesterov=False):
    """_accumulation.trace: t = g + decay·t; nesterov returns g + decay·t_new."""

    def update(g, t, p):
        t = g + decay * t
        return (g + decay * t if nesterov else t), t

    return Transform(lambda p: np.zeros_like(p), update)


def ema(decay, debias=True):
    """_accumulation.ema: m = (1-decay)·g + decay·m, optionally debiased."""

    def update(g, s, p):
        count, m = s
        m = (1 - decay) * g + decay * m
        count += 1
        return (bias_correction(m, decay, count) if debias else m), (count, m)

    return Transform(lambda p: (0, np.zeros_like(p)), update)


def add_decayed_weights(weight_decay):
    """_adding.add_decayed_weights: g + wd·p."""
    return stateless(lambda g, p: g + weight_decay * p)


def scale_by_rss(initial_accumulator_value=0.1, eps=1e-7):
    """transform.scale_by_rss (adagrad)."""

    def update(g, s, p):
        s = g * g + s
        inv = np.where(s > 0, 1 / np.sqrt(s + eps), 0.0)
        return inv * g, s

    return Transform(lambda p: np.full_like(p, initial_accumulator_value), update)


def scale_by_rms(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True, bias_correction_=False):
    """transform.scale_by_rms."""

    def update(g, s, p):
        count, nu = s
        nu = (1 - decay) * g ** 2 + decay * nu
        count += 1
        nu_hat = bias_correction(nu, decay, count) if bias_correction_ else nu
        scaling = 1 / np.sqrt(nu_hat + eps) if eps_in_sqrt else 1 / (np.sqrt(nu_hat) + eps)
        return scaling * g, (count, nu)

    return Transform(lambda p: (0, np.full_like(p, initial_scale)), update)


def scale_by_stddev(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True, bias_correction_=False):
    """transform.scale_by_stddev (centered rmsprop)."""

    def update(g, s, p):
        count, mu, nu = s
        mu = (1 - decay) * g + decay * mu
        nu = (1 - decay) * g ** 2 + decay * nu
        count += 1
        mu_hat, nu_hat = mu, nu
        if bias_correction_:
            mu_hat, nu_hat = bias_correction(mu, decay, count), bias_correction(nu, decay, count)
        if eps_in_sqrt:
            scaling = 1 / np.sqrt(nu_hat - mu_hat ** 2 + eps)
        else:
            scaling = 1 / (np.sqrt(nu_hat - mu_hat ** 2) + eps)
        return scaling * g, (count, mu, nu)

    return Transform(lambda p: (0, np.zeros_like(p), np.full_like(p, initial_scale)), update)


def _nesterov_mu_hat(b1, mu, g, count):
    """The nesterov branch of scale_by_adam / scale_by_belief / scale_by_radam."""
    return b1 * bias_correction(mu, b1, count + 1) + (1 - b1) * bias_correction(g, b1, count)


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, nesterov=False):
    """transform.scale_by_adam."""

    def update(g, s, p):
        count, mu, nu = s
        mu = (1 - b1) * g + b1 * mu
        nu = (1 - b2) * g ** 2 + b2 * nu
        count += 1
        mu_hat = _nesterov_mu_hat(b1, mu, g, count) if nesterov else bias_correction(mu, b1, count)
        nu_hat = bias_correction(nu, b2, count)
        return mu_hat / (np.sqrt(nu_hat + eps_root) + eps), (count, mu, nu)

    return Transform(lambda p: (0, np.zeros_like(p), np.zeros_like(p)), update)


def scale_by_amsgrad(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, bias_correction_mu=True, bias_correction_nu=True):
    """transform.scale_by_amsgrad (nu_max is the maximum of the possibly debiased nu)."""

    def update(g, s, p):
        count, mu, nu, nu_max = s
        mu = (1 - b1) * g + b1 * mu
        nu = (1 - b2) * g ** 2 + b2 * nu
        count += 1
        mu_hat = bias_correction(mu, b1, count) if bias_correction_mu else mu
        nu_eff = bias_correction(nu, b2, count) if bias_correction_nu else nu
        nu_max = np.maximum(nu_max, nu_eff)
        return mu_hat / (np.sqrt(nu_max + eps_root) + eps), (count, mu, nu, nu_max)

    z = np.zeros_like
    return Transform(lambda p: (0, z(p), z(p), z(p)), update)


def scale_by_adamax(b1=0.9, b2=0.999, eps=1e-8):
    """transform.scale_by_adamax (update_infinity_moment: max(b2·nu, |g| + eps))."""

    def update(g, s, p):
        count, mu, nu = s
        count += 1
        mu = (1 - b1) * g + b1 * mu
        nu = np.maximum(b2 * nu, np.abs(g) + eps)
        return bias_correction(mu, b1, count) / nu, (count, mu, nu)

    return Transform(lambda p: (0, np.zeros_like(p), np.zeros_like(p)), update)


def scale_by_lion(b1=0.9, b2=0.99):
    """transform.scale_by_lion (the 'hard' sign)."""

    def update(g, mu, p):
        u = np.sign((1 - b1) * g + b1 * mu)
        return u, (1 - b2) * g + b2 * mu

    return Transform(lambda p: np.zeros_like(p), update)


def scale_by_adadelta(rho=0.9, eps=1e-6):
    """transform.scale_by_adadelta."""

    def update(g, s, p):
        e_g, e_x = s
        e_g = (1 - rho) * g ** 2 + rho * e_g
        u = np.sqrt(e_x + eps) / np.sqrt(e_g + eps) * g
        e_x = (1 - rho) * u ** 2 + rho * e_x
        return u, (e_g, e_x)

    return Transform(lambda p: (np.zeros_like(p), np.zeros_like(p)), update)


def scale_by_adan(b1=0.98, b2=0.92, b3=0.99, eps=1e-8, eps_root=0.0):
    """transform.scale_by_adan (Algorithm 1 of the paper; the first difference is 0)."""

    def update(g, s, p):
        m, v, n, prev_g, t = s
        diff = np.zeros_like(g) if t == 0 else g - prev_g
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * diff + b2 * v
        sq = g + (1 - b2) * diff
        n = (1 - b3) * sq ** 2 + b3 * n
        t += 1
        u = bias_correction(m, b1, t) + (1 - b2) * bias_correction(v, b2, t)
        u = u / (np.sqrt(bias_correction(n, b3, t) + eps_root) + eps)
        return u, (m, v, n, g, t)

    z = np.zeros_like
    return Transform(lambda p: (z(p), z(p), z(p), z(p), 0), update)


def scale_by_belief(b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16, nesterov=False):
    """transform.scale_by_belief (AdaBelief)."""

    def update(g, s, p):
        count, mu, nu = s
        mu = (1 - b1) * g + b1 * mu
        err = g - mu
        nu = (1 - b2) * err ** 2 + b2 * nu + eps_root
        count += 1
        mu_hat = _nesterov_mu_hat(b1, mu, g, count) if nesterov else bias_correction(mu, b1, count)
        nu_hat = bias_correction(nu, b2, count)
        return mu_hat / (np.sqrt(nu_hat) + eps), (count, mu, nu)

    return Transform(lambda p: (0, np.zeros_like(p), np.zeros_like(p)), update)


def scale_by_yogi(b1=0.9, b2=0.999, eps=1e-3, eps_root=0.0, initial_accumulator_value=1e-6):
    """transform.scale_by_yogi."""

    def update(g, s, p):
        count, mu, nu = s
        mu = (1 - b1) * g + b1 * mu
        nu = nu - (1 - b2) * np.sign(nu - g ** 2) * g ** 2
        count += 1
        u = bias_correction(mu, b1, count) / (np.sqrt(bias_correction(nu, b2, count) + eps_root) + eps)
        return u, (count, mu, nu)

    iav = initial_accumulator_value
    return Transform(lambda p: (0, np.full_like(p, iav), np.full_like(p, iav)), update)


def scale_by_radam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, threshold=5.0, nesterov=False):
    """transform.scale_by_radam."""
    ro_inf = 2.0 / (1.0 - b2) - 1.0

    def update(g, s, p):
        count, mu, nu = s
        mu = (1 - b1) * g + b1 * mu
        nu = (1 - b2) * g ** 2 + b2 * nu
        count += 1
        b2t = b2 ** count
        ro = ro_inf - 2 * count * b2t / (1 - b2t)
        mu_hat = _nesterov_mu_hat(b1, mu, g, count) if nesterov else bias_correction(mu, b1, count)
        nu_hat = bias_correction(nu, b2, count)
        if ro >= threshold:
            r = np.sqrt((ro - 4) * (ro - 2) * ro_inf / ((ro_inf - 4) * (ro_inf - 2) * ro))
            u = r * mu_hat / (np.sqrt(nu_hat + eps_root) + eps)
        else:
            u = mu_hat
        return u, (count, mu, nu)

    return Transform(lambda p: (0, np.zeros_like(p), np.zeros_like(p)), update)


def scale_by_rprop(learning_rate, eta_minus=0.5, eta_plus=1.2, min_step_size=1e-6, max_step_size=50.0):
    """transform.scale_by_rprop."""

    def update(g, s, p):
        step_sizes, prev = s
        sign = g * prev
        step_sizes = np.where(sign == 0, step_sizes,
                              np.clip(step_sizes * np.where(sign > 0, eta_plus, eta_minus),
                                      min_step_size, max_step_size))
        new_prev = np.where(sign < 0, 0.0, step_sizes * np.sign(g))
        # optax applies the update stored at the previous call (the lambda's prev_g is
        # state.prev_updates): the first update is zero and every step lags by one.
        u = np.where(sign < 0, 0.0, prev)
        return u, (step_sizes, new_prev)

    return Transform(lambda p: (np.full_like(p, learning_rate), np.zeros_like(p)), update)


def scale_by_sign():
    """transform.scale_by_sign."""
    return stateless(lambda g, p: np.sign(g))


def _safe_norm(x, min_norm):
    """numerics.safe_norm: max(‖x‖, min_norm)."""
    return max(float(np.sqrt(np.sum(x * x))), min_norm)


def scale_by_trust_ratio(min_norm=0.0, trust_coefficient=1.0, eps=0.0):
    """transform.scale_by_trust_ratio (per parameter array)."""

    def f(u, p):
        pn, un = _safe_norm(p, min_norm), _safe_norm(u, min_norm)
        if pn == 0.0 or un == 0.0:
            return u
        return u * (trust_coefficient * pn / (un + eps))

    return stateless(f)


def scale_by_sm3(b1=0.9, b2=1.0, eps=1e-8):
    """transform.scale_by_sm3: one accumulator per axis, min over the axes' cover."""

    def update(g, s, p):
        mu, nu = s
        shaped = [np.reshape(mu[i], [1] * i + [g.shape[i]] + [1] * (g.ndim - i - 1)) for i in range(g.ndim)]
        c0 = (1.0 - b2) if b2 != 1.0 else 1.0
        if g.ndim < 2:
            accum = c0 * g ** 2 + b2 * shaped[0]
        else:
            accum = c0 * g ** 2 + b2 * np.minimum.reduce(np.broadcast_arrays(*shaped))
        inv = np.where(accum > 0, 1 / np.sqrt(accum + eps), 0.0)
        nu = (1 - b1) * (g * inv) + b1 * nu
        if g.ndim < 2:
            mu = [accum]
        else:
            mu = [np.max(accum, axis=tuple(j for j in range(g.ndim) if j != i)) for i in range(g.ndim)]
        return nu, (mu, nu)

    return Transform(lambda p: ([np.zeros(p.shape[i]) for i in range(p.ndim)], np.zeros_like(p)), update)


def scale_by_novograd(b1=0.9, b2=0.25, eps=1e-8, eps_root=0.0, weight_decay=0.0):
    """transform.scale_by_novograd (the first step initialises nu and mu)."""

    def update(g, s, p):
        count, mu, nu = s
        count += 1
        sq = float(np.sum(g * g))
        nu = sq if count == 1 else (1 - b2) * sq + b2 * nu
        add = g / (np.sqrt(nu + eps_root) + eps) + weight_decay * p
        mu = add if count == 1 else b1 * mu + add
        return mu, (count, mu, nu)

    return Transform(lambda p: (0, np.zeros_like(p), 0.0), update)


def scale_by_optimistic_gradient(alpha=1.0, beta=1.0):
    """transform.scale_by_optimistic_gradient (the first step uses g as the previous one)."""

    def update(g, prev, p):
        if prev is None:
            prev = g
        return (alpha + beta) * g - beta * prev, g

    return Transform(lambda p: None, update)


def schedule_free(base, learning_rate, b1=0.9, weight_lr_power=2.0):
    """contrib._schedule_free.schedule_free: the schedule is read at step_count from 1."""

    def init(p):
        return {"weight_sum": 0.0, "step_count": 1, "max_lr": 0.0, "base": base.init(p), "z": p.copy()}

    def update(g, s, p):
        lr = learning_rate(s["step_count"]) if callable(learning_rate) else learning_rate
        max_lr = max(s["max_lr"], lr)
        weight = max_lr ** weight_lr_power
        total = s["weight_sum"] + weight
        ck = weight / total if total != 0 else 0.0
        u, bs = base.update(g, s["base"], p)
        z = s["z"] + u
        prev_x = (p - (1 - b1) * s["z"]) / b1
        x = (1 - ck) * prev_x + ck * z
        new_p = b1 * x + (1 - b1) * z
        return new_p - p, {"weight_sum": total, "step_count": s["step_count"] + 1, "max_lr": max_lr,
                           "base": bs, "z": z}

    t = Transform(init, update)
    # schedule_free_eval_params: (y - (1-b1)·z)/b1.
    t.eval_params = lambda s, p: (p - (1 - b1) * s["z"]) / b1
    return t


# optax/_src/alias.py (and contrib aliases): name -> function of the keyword arguments.
def _lr(kw, default=None):
    lr = kw.get("learning_rate", default)
    if lr is None:
        raise ValueError("learning_rate is required")
    return lr


def _sgd(kw):
    mom = kw.get("momentum")
    return chain(trace(mom, kw.get("nesterov", False)) if mom is not None else identity(),
                 scale_by_learning_rate(_lr(kw)))


def _rmsprop(kw):
    args = dict(decay=kw.get("decay", 0.9), eps=kw.get("eps", 1e-8), initial_scale=kw.get("initial_scale", 0.0),
                eps_in_sqrt=kw.get("eps_in_sqrt", True), bias_correction_=kw.get("bias_correction", False))
    first = scale_by_stddev(**args) if kw.get("centered", False) else scale_by_rms(**args)
    mom = kw.get("momentum")
    return chain(first, scale_by_learning_rate(_lr(kw)),
                 trace(mom, kw.get("nesterov", False)) if mom is not None else identity())


def _adam_args(kw, eps=1e-8):
    return dict(b1=kw.get("b1", 0.9), b2=kw.get("b2", 0.999), eps=kw.get("eps", eps), eps_root=kw.get("eps_root", 0.0))


def _adam(kw, nesterov=False):
    return chain(scale_by_adam(**_adam_args(kw), nesterov=kw.get("nesterov", nesterov)), scale_by_learning_rate(_lr(kw)))


def _adamw(kw, nesterov=False):
    return chain(scale_by_adam(**_adam_args(kw), nesterov=kw.get("nesterov", nesterov)),
                 add_decayed_weights(kw.get("weight_decay", 1e-4)), scale_by_learning_rate(_lr(kw)))


def _schedule_free_lr(kw, default):
    lr = kw.get("learning_rate", default)
    w = kw.get("warmup_steps")
    return warmup_constant_schedule(0.0, lr, w) if w is not None and w > 0 else lr


def _schedule_free_sgd(kw):
    lr = _schedule_free_lr(kw, 1.0)
    opt = chain(identity(), scale_by_learning_rate(lr))  # alias.sgd(lr)
    if kw.get("weight_decay") is not None:
        opt = chain(add_decayed_weights(kw["weight_decay"]), opt)
    return schedule_free(opt, lr, kw.get("b1", 0.9), kw.get("weight_lr_power", 2.0))


def _schedule_free_adamw(kw):
    lr = _schedule_free_lr(kw, 0.0025)
    opt = chain(scale_by_rms(decay=kw.get("b2", 0.999), eps=kw.get("eps", 1e-8), eps_in_sqrt=False, bias_correction_=True),
                add_decayed_weights(kw.get("weight_decay", 0.0)), scale_by_learning_rate(lr))
    return schedule_free(opt, lr, kw.get("b1", 0.9), kw.get("weight_lr_power", 2.0))


def _fromage(kw):
    lr = _lr(kw)
    mult = 1 / np.sqrt(1 + lr ** 2)
    return chain(scale_by_trust_ratio(kw.get("min_norm", 1e-6)), scale_by_learning_rate(lr * mult),
                 add_decayed_weights(mult - 1))


def _lars(kw):
    """alias.lars; its masks are booleans here (wrappers.masked with False: the identity)."""
    return chain(add_decayed_weights(kw.get("weight_decay", 0.0)) if kw.get("weight_decay_mask", True) else identity(),
                 scale_by_trust_ratio(trust_coefficient=kw.get("trust_coefficient", 0.001), eps=kw.get("eps", 0.0))
                 if kw.get("trust_ratio_mask", True) else identity(),
                 scale_by_learning_rate(_lr(kw)),
                 trace(kw.get("momentum", 0.9), kw.get("nesterov", False)))


ALIASES = {
    "sgd": _sgd,
    "adagrad": lambda kw: chain(scale_by_rss(kw.get("initial_accumulator_value", 0.1), kw.get("eps", 1e-7)),
                                scale_by_learning_rate(_lr(kw))),
    "rmsprop": _rmsprop,
    "adadelta": lambda kw: chain(add_decayed_weights(kw.get("weight_decay", 0.0)),
                                 scale_by_adadelta(kw.get("rho", 0.9), kw.get("eps", 1e-6)),
                                 scale_by_learning_rate(_lr(kw))),
    "adam": _adam,
    "nadam": lambda kw: _adam(kw, nesterov=True),
    "adamw": _adamw,
    "nadamw": lambda kw: _adamw(kw, nesterov=True),
    "adamax": lambda kw: chain(scale_by_adamax(kw.get("b1", 0.9), kw.get("b2", 0.999), kw.get("eps", 1e-8)),
                               scale_by_learning_rate(_lr(kw))),
    "adamaxw": lambda kw: chain(scale_by_adamax(kw.get("b1", 0.9), kw.get("b2", 0.999), kw.get("eps", 1e-8)),
                                add_decayed_weights(kw.get("weight_decay", 1e-4)), scale_by_learning_rate(_lr(kw))),
    "amsgrad": lambda kw: chain(scale_by_amsgrad(**_adam_args(kw), bias_correction_mu=kw.get("bias_correction_mu", True),
                                                 bias_correction_nu=kw.get("bias_correction_nu", True)),
                                scale_by_learning_rate(_lr(kw))),
    "radam": lambda kw: chain(scale_by_radam(**_adam_args(kw), threshold=kw.get("threshold", 5.0),
                                             nesterov=kw.get("nesterov", False)), scale_by_learning_rate(_lr(kw))),
    "lion": lambda kw: chain(scale_by_lion(kw.get("b1", 0.9), kw.get("b2", 0.99)),
                             add_decayed_weights(kw.get("weight_decay", 1e-3)), scale_by_learning_rate(_lr(kw))),
    "lamb": lambda kw: chain(scale_by_adam(**_adam_args(kw, eps=1e-6)), add_decayed_weights(kw.get("weight_decay", 0.0)),
                             scale_by_trust_ratio(), scale_by_learning_rate(_lr(kw))),
    "lars": _lars,
    "yogi": lambda kw: chain(scale_by_yogi(kw.get("b1", 0.9), kw.get("b2", 0.999), kw.get("eps", 1e-3)),
                             scale_by_learning_rate(_lr(kw))),
    "novograd": lambda kw: chain(scale_by_novograd(kw.get("b1", 0.9), kw.get("b2", 0.25), kw.get("eps", 1e-6),
                                                   kw.get("eps_root", 0.0), kw.get("weight_decay", 0.0)),
                                 scale_by_learning_rate(_lr(kw))),
    "adabelief": lambda kw: chain(scale_by_belief(kw.get("b1", 0.9), kw.get("b2", 0.999), kw.get("eps", 1e-16),
                                                  kw.get("eps_root", 1e-16), kw.get("nesterov", False)),
                                  scale_by_learning_rate(_lr(kw))),
    "sm3": lambda kw: chain(scale_by_sm3(kw.get("momentum", 0.9)), scale(-_lr(kw))),
    "fromage": _fromage,
    "adan": lambda kw: chain(scale_by_adan(kw.get("b1", 0.98), kw.get("b2", 0.92), kw.get("b3", 0.99),
                                           kw.get("eps", 1e-8), kw.get("eps_root", 1e-8)),  # alias.adan's eps_root default
                             add_decayed_weights(kw.get("weight_decay", 0.0)), scale_by_learning_rate(_lr(kw))),
    "rprop": lambda kw: chain(scale_by_rprop(_lr(kw), kw.get("eta_minus", 0.5), kw.get("eta_plus", 1.2),
                                             kw.get("min_step_size", 1e-6), kw.get("max_step_size", 50.0)), scale(-1)),
    "sign_sgd": lambda kw: chain(scale_by_sign(), scale_by_learning_rate(_lr(kw))),
    "signum": lambda kw: chain(ema(kw.get("beta", 0.9), debias=False), scale_by_sign(), scale_by_learning_rate(_lr(kw))),
    "optimistic_gradient_descent": lambda kw: chain(
        scale_by_optimistic_gradient(kw.get("alpha", 1.0), kw.get("beta", 1.0)), scale_by_learning_rate(_lr(kw))),
    "schedule_free_sgd": _schedule_free_sgd,
    "schedule_free_adamw": _schedule_free_adamw,
}


# optax.contrib (optax/contrib/_acprop.py, _adopt.py, _ademamix.py, _madgrad.py, _cocob.py,
# _dog.py, _prodigy.py, _dadapt_adamw.py).


def scale_by_acprop(b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16):
    """contrib._acprop.scale_by_acprop: the denominator uses the previous step's nu (1 at the
    first step). The deviation g - m is formed with the momentum before its update: the source
    read (a later optax) uses the updated one, but the oracle's optax 0.2.8 agrees with this
    form (TestKeywordsNumpy's control), as dlopt's doc says."""

    def update(g, s, p):
        count, mu, nu = s
        err = g - mu
        new_mu = (1 - b1) * g + b1 * mu
        new_nu = (1 - b2) * err ** 2 + b2 * nu + eps_root
        nu_hat = np.ones_like(g) if count == 0 else bias_correction(nu, b2, count)
        return g / (np.sqrt(nu_hat) + eps), (count + 1, new_mu, new_nu)

    return Transform(lambda p: (0, np.zeros_like(p), np.zeros_like(p)), update)


def scale_by_adopt(b1=0.9, b2=0.9999, eps=1e-6, nesterov=False, use_clipping=True):
    """contrib._adopt.scale_by_adopt: b1 acts as 1 and b2 as 0 at the first step; the
    normalisation uses the previous nu; the clip is count**0.25 (clip_value_fn's default)."""

    def update(g, s, p):
        count, mu, nu = s
        b2_ = b2 if count > 0 else 0.0
        b1_ = b1 if count > 0 else 1.0
        new_nu = (1 - b2_) * g ** 2 + b2_ * nu
        u = g / np.maximum(np.sqrt(nu), eps)
        if use_clipping:
            c = float(count) ** 0.25
            u = np.clip(u, -c, c)
        mu = (1 - b1_) * u + b1_ * mu
        out = (1 - b1_) * u + b1_ * mu if nesterov else mu
        return out, (count + 1, mu, new_nu)

    return Transform(lambda p: (0, np.zeros_like(p), np.zeros_like(p)), update)


def scale_by_ademamix(b1=0.9, b2=0.999, b3=0.9999, alpha=5.0, eps=1e-8, eps_root=0.0):
    """contrib._ademamix.scale_by_ademamix: the slow momentum m2 is not debiased."""

    def update(g, s, p):
        count, m1, m2, nu = s
        m1 = (1 - b1) * g + b1 * m1
        m2 = (1 - b3) * g + b3 * m2
        nu = (1 - b2) * g ** 2 + b2 * nu
        count += 1
        u = (bias_correction(m1, b1, count) + alpha * m2) / (np.sqrt(bias_correction(nu, b2, count) + eps_root) + eps)
        return u, (count, m1, m2, nu)

    z = np.zeros_like
    return Transform(lambda p: (0, z(p), z(p), z(p)), update)


def scale_by_simplified_ademamix(b1=0.99, b2=0.95, alpha=0.0, eps=1e-8, eps_root=0.0):
    """contrib._ademamix.scale_by_simplified_ademamix: m = g + b1·m; n = lerp(b2, g², n)."""

    def update(g, s, p):
        t, m, n = s
        m = g + b1 * m
        n = g * g + b2 * (n - g * g)
        t += 1
        u = (m + alpha * g) / (np.sqrt(bias_correction(n, b2, t) + eps_root) + eps)
        return u, (t, m, n)

    return Transform(lambda p: (0, np.zeros_like(p), np.zeros_like(p)), update)


def scale_by_madgrad(learning_rate, momentum=0.9, eps=1e-6):
    """contrib._madgrad.scale_by_madgrad. jnp.sqrt of the int32 count is float32, so the
    weight lamb is a float32 number (as dlopt's doc notes)."""

    def update(g, s, p):
        count, gsq, ssum, x0 = s
        lamb = np.float32(learning_rate + eps) * np.sqrt(np.float32(count + 1))
        gsq = gsq + float(lamb) * g ** 2
        ssum = ssum + float(lamb) * g
        z = x0 - ssum / (np.cbrt(gsq) + eps)
        x_new = (1 - momentum) * z + momentum * p
        return x_new - p, (count + 1, gsq, ssum, x0)

    return Transform(lambda p: (0, np.zeros_like(p), np.zeros_like(p), p.copy()), update)


def scale_by_cocob(alpha=100.0, eps=1e-8):
    """contrib._cocob.scale_by_cocob (its output moves the parameters to the new bet)."""

    def update(c, s, p):
        p0, cum, scale_, sub, reward = s
        scale_ = np.maximum(scale_, np.abs(c))
        sub = sub + np.abs(c)
        reward = np.maximum(reward - c * (p - p0), 0)
        cum = cum - c
        new = -p + (p0 + cum / (scale_ * np.maximum(sub + scale_, alpha * scale_)) * (scale_ + reward))
        return new, (p0, cum, scale_, sub, reward)

    z = np.zeros_like
    return Transform(lambda p: (p.copy(), z(p), np.full_like(p, eps), z(p), z(p)), update)


def _norm(x):
    return float(np.sqrt(np.sum(x * x)))


def scale_by_dog(init_step=("heuristic", 1e-6), eps=1e-8):
    """contrib._dog.scale_by_dog (one parameter array: the tree norm is its norm)."""
    kind, value = init_step

    def init(p):
        r = {"distance": value, "heuristic": value * (1 + _norm(p)), "learning_rate": 0.0}[kind]
        return (True, p.copy(), r, 0.0)

    def update(g, s, p):
        first, p0, max_dist, sumsq = s
        max_dist = max(max_dist, _norm(p0 - p))
        sumsq = sumsq + _norm(g) ** 2
        lr = max_dist / np.sqrt(sumsq + eps)
        if kind == "learning_rate" and first:
            lr = value
        return lr * g, (False, p0, max_dist, sumsq)

    return Transform(init, update)


def scale_by_dowg(init_estim_sq_dist=None, eps=1e-4):
    """contrib._dog.scale_by_dowg."""

    def update(g, s, p):
        p0, weighted, sq_dist = s
        sq_dist = max(sq_dist, _norm(p0 - p) ** 2)
        weighted = sq_dist * _norm(g) ** 2 + weighted
        lr = sq_dist / (np.sqrt(weighted) + eps)
        return lr * g, (p0, weighted, sq_dist)

    init_d = eps if init_estim_sq_dist is None else init_estim_sq_dist
    return Transform(lambda p: (p.copy(), 0.0, init_d), update)


def prodigy(kw):
    """contrib._prodigy.prodigy (one transform; estim_lr starts as a float32 number)."""
    lr = kw.get("learning_rate", 1.0)
    beta1, beta2 = kw.get("betas", (0.9, 0.999))
    beta3 = kw.get("beta3")
    if beta3 is None:
        beta3 = beta2 ** 0.5
    eps, d0, coef, wd = kw.get("eps", 1e-8), kw.get("estim_lr0", 1e-6), kw.get("estim_lr_coef", 1.0), kw.get("weight_decay", 0.0)

    def init(p):
        z = np.zeros_like(p)
        return (z, z, z, p.copy(), float(np.float32(d0)), 0.0, 0)

    def update(g, s, p):
        ea, eas, gsum, p0, d, num, count = s
        bc = ((1 - beta2 ** (count + 1)) ** 0.5) / (1 - beta1 ** (count + 1))
        dlr = d * lr * bc
        dg = d * g
        acc = float(np.sum(g * (p0 - p)))
        ea = beta1 * ea + (1 - beta1) * dg
        eas = beta2 * eas + (1 - beta2) * dg * dg
        gsum = beta3 * gsum + dlr * dg / d0
        num = beta3 * num + (d / d0) * dlr * acc
        new_d = max(d, coef * num / float(np.sum(np.abs(gsum))))
        u = -wd * dlr * p - dlr * ea / (np.sqrt(eas) + new_d * eps)
        return u, (ea, eas, gsum, p0, new_d, num, count + 1)

    return Transform(init, update)


def dadapt_adamw(kw):
    """contrib._dadapt_adamw.dadapt_adamw (one transform)."""
    lr = kw.get("learning_rate", 1.0)
    beta1, beta2 = kw.get("betas", (0.9, 0.999))
    eps, d0, wd = kw.get("eps", 1e-8), kw.get("estim_lr0", 1e-6), kw.get("weight_decay", 0.0)
    sb2 = beta2 ** 0.5

    def init(p):
        z = np.zeros_like(p)
        return (z, z, z, d0, 0.0, 0)

    def update(g, s, p):
        ea, eas, gsum, d, num, count = s
        count_inc = count + 1
        bc = ((1 - beta2 ** count_inc) ** 0.5) / (1 - beta1 ** count_inc)
        dlr = d * lr * bc
        acc = float(np.sum(g * (gsum / (np.sqrt(eas) + eps))))
        ea = beta1 * ea + (1 - beta1) * dlr * g
        eas = beta2 * eas + (1 - beta2) * g * g
        gsum = sb2 * gsum + (1 - sb2) * dlr * g
        num = sb2 * num + (1 - sb2) * dlr * acc
        d = max(d, num / ((1 - sb2) * float(np.sum(np.abs(gsum)))))
        u = -ea / (np.sqrt(eas) + eps) + (-wd * dlr) * p
        return u, (ea, eas, gsum, d, num, count_inc)

    return Transform(init, update)


def _decay_then(kw, default_wd, *rest):
    wd = kw.get("weight_decay", default_wd)
    return chain(add_decayed_weights(wd) if wd is not None else identity(), *rest)


ALIASES.update({
    "acprop": lambda kw: chain(scale_by_acprop(kw.get("b1", 0.9), kw.get("b2", 0.999), kw.get("eps", 1e-16), kw.get("eps_root", 1e-16)),
                               add_decayed_weights(kw.get("weight_decay", 0.0)), scale_by_learning_rate(_lr(kw))),
    "adopt": lambda kw: chain(scale_by_adopt(kw.get("b1", 0.9), kw.get("b2", 0.9999), kw.get("eps", 1e-6),
                                             kw.get("nesterov", False), kw.get("use_clipping", True)),
                              scale_by_learning_rate(_lr(kw))),
    "ademamix": lambda kw: chain(scale_by_ademamix(kw.get("b1", 0.9), kw.get("b2", 0.999), kw.get("b3", 0.9999), kw.get("alpha", 5.0),
                                                   kw.get("eps", 1e-8), kw.get("eps_root", 0.0)),
                                 add_decayed_weights(kw.get("weight_decay", 0.0)), scale_by_learning_rate(_lr(kw))),
    "simplified_ademamix": lambda kw: chain(
        scale_by_simplified_ademamix(kw.get("b1", 0.99), kw.get("b2", 0.95), kw.get("alpha", 0.0), kw.get("eps", 1e-8),
                                     kw.get("eps_root", 0.0)),
        add_decayed_weights(kw.get("weight_decay", 0.0)), scale_by_learning_rate(_lr(kw))),
    "madgrad": lambda kw: chain(add_decayed_weights(kw.get("weight_decay", 0.0)),
                                scale_by_madgrad(_lr(kw), kw.get("momentum", 0.9), kw.get("eps", 1e-6))),
    "cocob": lambda kw: chain(add_decayed_weights(kw.get("weight_decay", 0.0)),
                              scale_by_learning_rate(kw.get("learning_rate", 1.0), flip_sign=False),
                              scale_by_cocob(kw.get("alpha", 100.0), kw.get("eps", 1e-8))),
    "dog": lambda kw: _decay_then(kw, None, scale_by_dog(tuple(kw.get("init_step", ("heuristic", 1e-6))), kw.get("eps", 1e-8)),
                                  scale_by_learning_rate(kw.get("learning_rate", 1.0))),
    "dowg": lambda kw: _decay_then(kw, None, scale_by_dowg(kw.get("init_estim_sq_dist"), kw.get("eps", 1e-4)),
                                   scale_by_learning_rate(kw.get("learning_rate", 1.0))),
    "prodigy": prodigy,
    "dadapt_adamw": dadapt_adamw,
})


def scale_by_factored_rms(factored=True, decay_rate=0.8, step_offset=0, min_dim_size_to_factor=128, epsilon=1e-30):
    """optax/_src/factorized.py, scale_by_factored_rms. _decay_rate_pow computes
    1 - t^(-decay_rate) with t a float32 array: the decay is a float32 number."""

    def dims(shape):
        if not factored or len(shape) < 2:
            return None
        order = np.argsort(shape, kind="stable")
        if shape[order[-2]] < min_dim_size_to_factor:
            return None
        return int(order[-2]), int(order[-1])

    def init(p):
        fd = dims(p.shape)
        if fd is None:
            return (0, None, None, np.zeros_like(p))
        d1, d0 = fd
        return (0, np.zeros(np.delete(p.shape, d0)), np.zeros(np.delete(p.shape, d1)), None)

    def update(g, s, p):
        count, v_row, v_col, v = s
        t = np.float32(count - step_offset + 1)
        beta = float(np.float32(1.0) - t ** np.float32(-decay_rate))
        grad_sqr = g * g + epsilon
        fd = dims(p.shape)
        if fd is None:
            v = beta * v + (1.0 - beta) * grad_sqr
            return g * v ** -0.5, (count + 1, None, None, v)
        d1, d0 = fd
        v_row = beta * v_row + (1.0 - beta) * np.mean(grad_sqr, axis=d0)
        v_col = beta * v_col + (1.0 - beta) * np.mean(grad_sqr, axis=d1)
        reduced_d1 = d1 - 1 if d1 > d0 else d1
        row_factor = (v_row / np.mean(v_row, axis=reduced_d1, keepdims=True)) ** -0.5
        col_factor = v_col ** -0.5
        u = g * np.expand_dims(row_factor, axis=d0) * np.expand_dims(col_factor, axis=d1)
        return u, (count + 1, v_row, v_col, None)

    return Transform(init, update)


def clip_by_block_rms(threshold):
    """optax/_src/clipping.py, clip_by_block_rms."""
    return stateless(lambda u, p: u / max(1.0, float(np.sqrt(np.mean(u * u))) / threshold))


def scale_by_param_block_rms(min_scale=1e-3):
    """transform.scale_by_param_block_rms (numerics.safe_root_mean_squares)."""
    return stateless(lambda u, p: u * max(float(np.sqrt(np.mean(p * p))), min_scale))


def ema_float32_state(decay):
    """_accumulation.ema(decay, debias=False, accumulator_dtype=float32): the update is the new
    average, the state keeps it cast to float32."""

    def update(g, m, p):
        new = (1 - decay) * g + decay * m
        return new, new.astype(np.float32).astype(np.float64)

    return Transform(lambda p: np.zeros_like(p), update)


def adafactor(kw):
    """alias.adafactor: the chain is built from the options given (None leaves a link out;
    clipping_threshold=None given explicitly removes the default clipping)."""
    nulls = kw.get("_given_null", [])
    tx = [scale_by_factored_rms(kw.get("factored", True), kw.get("decay_rate", 0.8), kw.get("decay_offset", 0),
                                kw.get("min_dim_size_to_factor", 128), kw.get("eps", 1e-30))]
    if "clipping_threshold" not in nulls:
        tx.append(clip_by_block_rms(kw.get("clipping_threshold", 1.0)))
    if kw.get("learning_rate") is not None:
        tx.append(scale_by_learning_rate(kw["learning_rate"], flip_sign=False))
    if kw.get("multiply_by_parameter_scale", True):
        tx.append(scale_by_param_block_rms())
    if kw.get("momentum") is not None:
        tx.append(ema_float32_state(kw["momentum"]))
    if kw.get("weight_decay_rate") is not None:
        tx.append(add_decayed_weights(kw["weight_decay_rate"]))
    tx.append(scale(-1))
    return chain(*tx)


ALIASES["adafactor"] = adafactor


def _newton_schulz(x, coeffs, eps):
    """contrib._muon.orthogonalize_via_newton_schulz (frobenius preconditioning): transpose a
    tall matrix, divide by ‖x‖ + eps, then x ← a·x + (b·xxᵀ + c·(xxᵀ)²)·x per triple."""
    transposed = x.shape[0] > x.shape[1]
    if transposed:
        x = x.T
    x = x / (np.sqrt(np.sum(x * x)) + eps)
    for a, b, c in coeffs:
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if transposed else x


def _ns_triples(kw):
    coeffs = kw.get("ns_coeffs", (3.4445, -4.7750, 2.0315))
    if not isinstance(coeffs[0], (list, tuple)):
        coeffs = [coeffs] * kw.get("ns_steps", 5)
    return coeffs


def scale_by_muon(coeffs, beta=0.95, eps=1e-8, nesterov=True, adaptive=False):
    """contrib._muon.scale_by_muon for a matrix: Adam-style debiased (optionally Nesterov)
    momentum, orthogonalised, scaled by √max(1, cols/rows); adaptive multiplies by ⟨m̂, O⟩."""

    def update(g, s, p):
        count, mu = s
        mu = (1 - beta) * g + beta * mu
        count += 1
        mu_hat = _nesterov_mu_hat(beta, mu, g, count) if nesterov else bias_correction(mu, beta, count)
        o = _newton_schulz(mu_hat, coeffs, eps)
        if adaptive:
            o = float(np.sum(mu_hat * o)) * o
        return o * np.sqrt(max(1.0, g.shape[1] / g.shape[0])), (count, mu)

    return Transform(lambda p: (0, np.zeros_like(p)), update)


def muon(kw):
    """contrib._muon.muon: matrices through chain(scale_by_muon, add_decayed_weights,
    scale_by_learning_rate); other parameters through adamw with the adam_* options (the
    runs here have one parameter, so one branch or the other)."""
    lr = _lr(kw)

    def build(p):
        if p.ndim == 2:
            return chain(scale_by_muon(_ns_triples(kw), kw.get("beta", 0.95), kw.get("eps", 1e-8), kw.get("nesterov", True),
                                       kw.get("adaptive", False)),
                         add_decayed_weights(kw.get("weight_decay", 0.0)), scale_by_learning_rate(lr))
        return chain(scale_by_adam(kw.get("adam_b1", 0.9), kw.get("adam_b2", 0.999), kw.get("eps", 1e-8), kw.get("adam_eps_root", 0.0),
                                   nesterov=kw.get("nesterov", True)),
                     add_decayed_weights(kw.get("adam_weight_decay", 0.0)),
                     scale_by_learning_rate(kw.get("adam_learning_rate", lr)))

    holder = {}

    def init(p):
        holder["t"] = build(p)
        return holder["t"].init(p)

    return Transform(init, lambda g, s, p: holder["t"].update(g, s, p))


ALIASES["muon"] = muon


def _bf16(x):
    """Rounds to the nearest bfloat16 (8 significant bits), ties to even, as torch's
    .bfloat16() and its bfloat16 kernels do (np.round rounds half to even)."""
    m, e = np.frexp(np.asarray(x, dtype=np.float64))
    return np.ldexp(np.round(m * 256) / 256, e)


def torch_muon(kw):
    """torch.optim.Muon (torch/optim/_muon.py, _single_tensor_muon and
    _zeropower_via_newtonschulz with use_addmm, as in the torch 2.11 of the oracle): the
    momentum buffer is lerped in the parameter dtype; Newton–Schulz runs in bfloat16, every
    operation (norm, division, x·xᵀ, each addmm) computed in float32 and rounded once."""
    lr, wd, momentum = kw.get("lr", 1e-3), kw.get("weight_decay", 0.1), kw.get("momentum", 0.95)
    nesterov, eps, steps = kw.get("nesterov", True), kw.get("eps", 1e-7), kw.get("ns_steps", 5)
    a, b, c = (np.float32(v) for v in kw.get("ns_coefficients", (3.4445, -4.7750, 2.0315)))
    scales = {"original": lambda r, q: max(1, r / q) ** 0.5, "match_rms_adamw": lambda r, q: 0.2 * max(r, q) ** 0.5}

    def ns(g):
        x = _bf16(g).astype(np.float32)
        if g.shape[0] > g.shape[1]:
            x = x.T
        norm = max(_bf16(np.sqrt(np.sum(x * x, dtype=np.float32))), _bf16(eps))
        x = _bf16(x / np.float32(norm)).astype(np.float32)
        for _ in range(steps):
            gram = _bf16(x @ x.T).astype(np.float32)
            upd = _bf16(b * gram + c * (gram @ gram)).astype(np.float32)
            x = _bf16(a * x + upd @ x).astype(np.float32)
        x = x.astype(np.float64)
        return x.T if g.shape[0] > g.shape[1] else x

    def update(g, buf, p):
        buf = buf + (1 - momentum) * (g - buf)
        u = g + momentum * (buf - g) if nesterov else buf
        o = ns(u)
        adjusted = lr * scales[kw.get("adjust_lr_fn") or "original"](*p.shape)
        new_p = p * (1 - lr * wd) - adjusted * o
        return new_p - p, buf

    return Transform(lambda p: np.zeros_like(p), update)


ALIASES["torch:Muon"] = torch_muon


def torch_nadam(kw):
    """torch.optim.NAdam as torch 2.x computes it (torch/optim/nadam.py, _single_tensor_nadam):
    torch 1.13, the live reference, counts μ_t twice in μ-product-next, a bug fixed in 2.x.
    Returned as a Transform so that run() drives it like the optax chains."""
    lr, (b1, b2) = kw.get("lr", 2e-3), kw.get("betas", (0.9, 0.999))
    eps, wd, psi = kw.get("eps", 1e-8), kw.get("weight_decay", 0.0), kw.get("momentum_decay", 4e-3)
    decoupled = kw.get("decoupled_weight_decay", False)

    def update(g, s, p):
        step, mu_product, m, v = s
        step += 1
        bias_correction2 = 1 - b2 ** step
        new_p = p
        if wd != 0:
            if decoupled:
                new_p = p * (1 - lr * wd)
            else:
                g = g + wd * p
        mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product *= mu
        m = m + (1 - b1) * (g - m)  # exp_avg.lerp_(grad, 1 - beta1)
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v / bias_correction2) + eps
        mu_product_next = mu_product * mu_next
        new_p = new_p - lr * (1.0 - mu) / (1.0 - mu_product) * g / denom
        new_p = new_p - lr * mu_next / (1.0 - mu_product_next) * m / denom
        return new_p - p, (step, mu_product, m, v)

    return Transform(lambda p: (0, 1.0, np.zeros_like(p), np.zeros_like(p)), update)


ALIASES["torch:NAdam"] = torch_nadam


def torch_adafactor(kw):
    """torch.optim.Adafactor (torch 2.5+, torch/optim/_adafactor.py, _single_tensor_adafactor):
    factored row and column variances along the last two axes of a matrix, a plain variance
    for a vector."""
    lr, decay, d, wd = kw.get("lr", 1e-2), kw.get("beta2_decay", -0.8), kw.get("d", 1.0), kw.get("weight_decay", 0.0)
    eps1, eps2 = kw.get("eps", (None, 1e-3))
    if eps1 is None:
        eps1 = np.finfo(np.float64).eps

    def init(p):
        if p.ndim == 1:
            return (0, np.zeros_like(p), None)
        return (0, np.zeros(p.shape[:-1] + (1,)), np.zeros(p.shape[:-2] + (1, p.shape[-1])))

    def update(g, s, p):
        step, row_var, col_var = s
        step += 1
        one_minus_beta2_t = float(step) ** decay
        rho_t = min(lr, 1 / step ** 0.5)
        alpha = max(eps2, float(np.sqrt(np.sum(p * p))) / p.size ** 0.5) * rho_t
        new_p = p * (1 - lr * wd) if wd != 0 else p
        if p.ndim == 1:
            variance = row_var + one_minus_beta2_t * (g * g - row_var)
            u = 1 / np.sqrt(np.maximum(variance, eps1 * eps1)) * g
            denom = max(1.0, float(np.sqrt(np.sum(u * u))) / (u.size ** 0.5 * d))
            return new_p - alpha / denom * u - p, (step, variance, None)
        row_mean = np.sum(g * g, axis=-1, keepdims=True) / g.shape[-1]
        row_var = row_var + one_minus_beta2_t * (row_mean - row_var)  # lerp_
        col_mean = np.sum(g * g, axis=-2, keepdims=True) / g.shape[-2]
        col_var = col_var + one_minus_beta2_t * (col_mean - col_var)
        var_estimate = (row_var @ col_var) / np.maximum(np.mean(row_var, axis=-2, keepdims=True), eps1)
        u = 1 / np.sqrt(np.maximum(var_estimate, eps1 * eps1)) * g
        denom = max(1.0, float(np.sqrt(np.sum(u * u))) / (u.size ** 0.5 * d))
        new_p = new_p - alpha / denom * u
        return new_p - p, (step, row_var, col_var)

    return Transform(init, update)


ALIASES["torch:Adafactor"] = torch_adafactor


def run(spec, case):
    kw = {k: v for k, v in case["kwargs"].items() if v is not None}
    kw["_given_null"] = [k for k, v in case["kwargs"].items() if v is None]
    opt = ALIASES[case["name"]](kw)
    shape = case.get("shape") or spec["shape"]
    p = np.array(spec["x0"], dtype=np.float64).reshape(shape)
    state = opt.init(p)
    traj, evals = [], []
    for g in case.get("grads") or spec["grads"]:
        g = np.array(g, dtype=np.float64).reshape(shape)
        if kw.get("maximize"):  # torch's maximize: ascend, i.e. descend along -g
            g = -g
        u, state = opt.update(g, state, p)
        p = p + u  # optax.apply_updates
        traj.append(p.flatten().tolist())
        if hasattr(opt, "eval_params"):
            evals.append(opt.eval_params(state, p).flatten().tolist())
    return {"trajectory": traj, "eval": evals or None}


def main():
    spec = json.load(sys.stdin)
    json.dump({"names": sorted(ALIASES), "results": [run(spec, c) for c in spec["cases"]]}, sys.stdout)


if __name__ == "__main__":
    main()
