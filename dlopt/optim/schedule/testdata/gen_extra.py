"""Generates schedules-extra-torch1.13.json: more torch 1.13 lr_scheduler cases than the shared
oracle (composites, plateau modes, momentum cycling with SGD and Adam, long runs past T_max).
Same semantics as schedules-torch1.13.json: lr[t] is read before optimizer.step() at step t,
scheduler.step() after each step (ReduceLROnPlateau: scheduler.step(metrics[t])).
Run with Debian's torch: /usr/bin/python3 gen_extra.py > schedules-extra-torch1.13.json
"""
import json
import math
import random

import torch
from torch.optim import lr_scheduler as S

# LambdaLR/MultiplicativeLR functions, by the id the Go test maps to the same Go function.
LAMBDAS = {
    "pow0.95": lambda e: 0.95 ** e,
    "inv1p": lambda e: 1.0 / (e + 1),
    "floor3": lambda e: e // 3 + 1,
}


# CyclicLR scale functions, by id (the Go test has the same functions).
SCALE_FNS = {
    "inv": lambda x: 1.0 / x,
    "halfexp": lambda x: 0.5 ** (x / 10.0),
}


def build(opt, cls, kw):
    kw = dict(kw)
    if "lr_lambda" in kw:
        kw["lr_lambda"] = LAMBDAS[kw["lr_lambda"]]
    if "scale_fn" in kw:
        kw["scale_fn"] = SCALE_FNS[kw["scale_fn"]]
    if cls in ("SequentialLR", "ChainedScheduler"):
        kids = [build(opt, n, k) for n, k in kw.pop("schedulers")]
        if cls == "ChainedScheduler":
            return S.ChainedScheduler(kids)
        return S.SequentialLR(opt, kids, **kw)
    return getattr(S, cls)(opt, **kw)


def run(name, cls, kw, base_lr=0.1, steps=60, metrics=None, optimizer="sgd"):
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    if optimizer == "adam":
        opt = torch.optim.Adam([p], lr=base_lr)
    else:
        opt = torch.optim.SGD([p], lr=base_lr, momentum=0.9)
    s = build(opt, cls, kw)
    lrs, moms = [], []
    cycles = kw.get("cycle_momentum", cls in ("CyclicLR", "OneCycleLR"))
    for t in range(steps):
        g = opt.param_groups[0]
        lrs.append(g["lr"])
        moms.append(g["betas"][0] if optimizer == "adam" else g["momentum"])
        opt.step()
        if metrics is not None:
            s.step(metrics[t])
        else:
            s.step()
    e = {"name": name, "class": cls, "kwargs": kw, "base_lr": base_lr, "steps": steps, "lr": lrs}
    if metrics is not None:
        e["metrics"] = metrics
    if cycles:
        e["momentum"] = moms
    if optimizer != "sgd":
        e["optimizer"] = optimizer
    return e


def noisy_metrics(seed, n, trend):
    rnd = random.Random(seed)
    out, v = [], 1.0
    for t in range(n):
        v = v * trend + 0.02 * rnd.random()
        out.append(round(v + (0.05 if t % 7 == 3 else 0.0), 12))
    return out


E = [
    run("LambdaLR_pow", "LambdaLR", {"lr_lambda": "pow0.95"}),
    run("LambdaLR_floor", "LambdaLR", {"lr_lambda": "floor3"}, steps=20),
    run("MultiplicativeLR_inv", "MultiplicativeLR", {"lr_lambda": "inv1p"}, steps=20),
    run("StepLR_default_gamma", "StepLR", {"step_size": 3}, steps=20),
    run("MultiStepLR_repeated", "MultiStepLR", {"milestones": [0, 4, 4, 9], "gamma": 0.5}, steps=20),
    run("ConstantLR_defaults", "ConstantLR", {}, steps=12),
    run("LinearLR_down", "LinearLR", {"start_factor": 1.0, "end_factor": 0.05, "total_iters": 17}, steps=30),
    run("LinearLR_defaults", "LinearLR", {}, steps=12),
    run("PolynomialLR_sqrt", "PolynomialLR", {"total_iters": 13, "power": 0.5}, steps=20),
    run("CosineAnnealingLR_past_Tmax", "CosineAnnealingLR", {"T_max": 7, "eta_min": 0.002}, steps=60),
    run("CosineAnnealingLR_eta0_long", "CosineAnnealingLR", {"T_max": 10}, steps=95),
    run("CosineAnnealingWarmRestarts_Tmult1", "CosineAnnealingWarmRestarts", {"T_0": 6}, steps=30),
    run("CosineAnnealingWarmRestarts_Tmult3", "CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 3, "eta_min": 0.01}, steps=60),
    run("CyclicLR_momentum", "CyclicLR", {"base_lr": 0.02, "max_lr": 0.3, "step_size_up": 3, "step_size_down": 7, "base_momentum": 0.7, "max_momentum": 0.95}, steps=45),
    run("CyclicLR_exp_range_momentum", "CyclicLR", {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 4, "mode": "exp_range", "gamma": 0.9}, steps=40),
    run("CyclicLR_triangular2_frac", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 2.5, "mode": "triangular2", "cycle_momentum": False}, steps=30),
    run("CyclicLR_scale_fn_cycle", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 3, "scale_fn": "inv", "scale_mode": "cycle"}, steps=40),
    run("CyclicLR_scale_fn_iterations", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 4, "step_size_down": 2, "scale_fn": "halfexp", "scale_mode": "iterations", "mode": "ignored"}, steps=40),
    run("OneCycleLR_three_phase_momentum", "OneCycleLR", {"max_lr": 1.0, "total_steps": 50, "pct_start": 0.2, "three_phase": True, "anneal_strategy": "cos"}, steps=50),
    run("OneCycleLR_linear_epochs", "OneCycleLR", {"max_lr": 0.3, "epochs": 4, "steps_per_epoch": 9, "anneal_strategy": "linear", "div_factor": 10.0, "final_div_factor": 100.0}, steps=36),
    run("OneCycleLR_adam_beta1", "OneCycleLR", {"max_lr": 0.01, "total_steps": 30, "base_momentum": 0.8, "max_momentum": 0.9}, steps=30, optimizer="adam"),
    run("ReduceLROnPlateau_defaults", "ReduceLROnPlateau", {}, metrics=[1.0] * 60),
    run("ReduceLROnPlateau_max_abs", "ReduceLROnPlateau", {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 2, "factor": 0.3}, metrics=noisy_metrics(1, 60, 1.001)),
    run("ReduceLROnPlateau_min_abs_cooldown", "ReduceLROnPlateau", {"mode": "min", "threshold_mode": "abs", "threshold": 0.001, "patience": 1, "cooldown": 3, "factor": 0.5, "min_lr": 0.01}, metrics=noisy_metrics(2, 60, 0.999)),
    run("ReduceLROnPlateau_max_rel_eps", "ReduceLROnPlateau", {"mode": "max", "patience": 0, "factor": 0.9, "eps": 0.005, "min_lr": 0.02}, metrics=noisy_metrics(3, 60, 0.995)),
    run("ChainedScheduler_constant_exponential", "ChainedScheduler", {"schedulers": [["ConstantLR", {"factor": 0.1, "total_iters": 4}], ["ExponentialLR", {"gamma": 0.9}]]}, steps=20),
    run("ChainedScheduler_warmup_cosine_step", "ChainedScheduler", {"schedulers": [["LinearLR", {"start_factor": 0.25, "total_iters": 6}], ["CosineAnnealingLR", {"T_max": 9}], ["StepLR", {"step_size": 5, "gamma": 0.7}]]}, steps=40),
    run("SequentialLR_three", "SequentialLR", {"schedulers": [["ConstantLR", {"factor": 0.5, "total_iters": 3}], ["ExponentialLR", {"gamma": 0.8}], ["CosineAnnealingWarmRestarts", {"T_0": 4, "T_mult": 2}]], "milestones": [5, 12]}, steps=40),
    run("SequentialLR_closed_forms", "SequentialLR", {"schedulers": [["StepLR", {"step_size": 2, "gamma": 0.5}], ["MultiStepLR", {"milestones": [0, 3], "gamma": 0.5}], ["PolynomialLR", {"total_iters": 4, "power": 2.0}], ["LinearLR", {"start_factor": 0.5, "total_iters": 3}], ["CosineAnnealingLR", {"T_max": 5, "eta_min": 0.01}]], "milestones": [4, 9, 15, 20]}, steps=40),
    run("SequentialLR_cyclic_onecycle", "SequentialLR", {"schedulers": [["CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "cycle_momentum": False}], ["OneCycleLR", {"max_lr": 0.2, "total_steps": 20, "cycle_momentum": False}]], "milestones": [10]}, steps=30),
    run("SequentialLR_lambda_multiplicative", "SequentialLR", {"schedulers": [["LambdaLR", {"lr_lambda": "pow0.95"}], ["MultiplicativeLR", {"lr_lambda": "inv1p"}]], "milestones": [6]}, steps=14),
]

print(json.dumps({
    "format": "lr-schedule-golden-v1",
    "torch_version": torch.__version__,
    "semantics": "as schedules-torch1.13.json; generated by gen_extra.py; lr_lambda and scale_fn values name functions in LAMBDAS and SCALE_FNS",
    "entries": E,
}, indent=1))
