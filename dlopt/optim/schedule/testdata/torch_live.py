"""Runs torch 1.13 lr_scheduler specs for live_torch_test.go.

Reads a JSON list of {"class", "kwargs", "base_lr", "steps", "metrics"?} from stdin and prints a
JSON list of {"lr": [...], "momentum": [...]} or {"error": "..."}, with the oracle's semantics:
lr[t] is read before optimizer.step() at step t, scheduler.step() (or step(metrics[t])) after it.
The optimizer is SGD with momentum, so momentum cycling applies.
"""
import json
import sys
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.simplefilter("ignore")


def build(opt, cls, kw):
    kw = dict(kw)
    if cls in ("SequentialLR", "ChainedScheduler"):
        kids = [build(opt, n, k) for n, k in kw.pop("schedulers")]
        if cls == "ChainedScheduler":
            return S.ChainedScheduler(kids)
        return S.SequentialLR(opt, kids, **kw)
    return getattr(S, cls)(opt, **kw)


def run(spec):
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=spec["base_lr"], momentum=0.9)
    try:
        s = build(opt, spec["class"], spec["kwargs"])
        lrs, moms = [], []
        for t in range(spec["steps"]):
            lrs.append(opt.param_groups[0]["lr"])
            moms.append(opt.param_groups[0]["momentum"])
            opt.step()
            if "metrics" in spec:
                s.step(spec["metrics"][t])
            else:
                s.step()
    except (ValueError, ZeroDivisionError) as e:
        return {"error": str(e)}
    return {"lr": lrs, "momentum": moms}


print(json.dumps([run(s) for s in json.load(sys.stdin)]))
