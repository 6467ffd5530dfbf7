"""A second implementation of optax's schedules in plain Python (float64), written from
google-deepmind/optax's optax/schedules/_schedule.py (constant_schedule, polynomial_schedule,
linear_schedule, piecewise_constant_schedule, exponential_decay, cosine_decay_schedule,
piecewise_interpolate_schedule with _linear_interpolate and _cosine_interpolate,
linear_onecycle_schedule, cosine_onecycle_schedule, warmup_constant_schedule,
warmup_cosine_decay_schedule, warmup_exponential_decay_schedule, sgdr_schedule) and
optax/schedules/_join.py (join_schedules), for dlopt/optim/schedule's keyword tests. It shares
no code with dlopt.

stdin:  {"steps": N, "cases": [{"name": "linear_schedule", "kwargs": {...}}, ...]}
stdout: {"values": [[value at step 0..N-1], ...]}
"""
import json
import math
import sys


def constant_schedule(value):
    return lambda count: value


def polynomial_schedule(init_value, end_value, power, transition_steps, transition_begin=0):
    if transition_steps <= 0:
        return lambda count: init_value
    transition_begin = max(transition_begin, 0)

    def schedule(count):
        c = min(max(count - transition_begin, 0), transition_steps)
        frac = 1 - c / transition_steps
        return (init_value - end_value) * frac ** power + end_value

    return schedule


def linear_schedule(init_value, end_value, transition_steps, transition_begin=0):
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def _scales(boundaries_and_scales):
    return sorted((int(k), v) for k, v in (boundaries_and_scales or {}).items())


def piecewise_constant_schedule(init_value, boundaries_and_scales=None):
    def schedule(count):
        v = init_value
        for threshold, scale in _scales(boundaries_and_scales):
            indicator = max(0.0, math.copysign(1.0, threshold - count) if threshold != count else 0.0)
            v = v * indicator + (1 - indicator) * scale * v
        return v

    return schedule


def exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0, staircase=False, end_value=None):
    if transition_steps <= 0 or decay_rate == 0:
        return lambda count: init_value
    transition_begin = max(transition_begin, 0)

    def schedule(count):
        decreased = count - transition_begin
        p = decreased / transition_steps
        if staircase:
            p = math.floor(p)
        v = init_value if decreased <= 0 else init_value * decay_rate ** p
        if end_value is not None:
            v = max(v, end_value) if decay_rate < 1.0 else min(v, end_value)
        return v

    return schedule


def cosine_decay_schedule(init_value, decay_steps, alpha=0.0, exponent=1.0):
    def schedule(count):
        c = min(count, decay_steps)
        cosine = 0.5 * (1 + math.cos(math.pi * c / decay_steps))
        return init_value * ((1 - alpha) * cosine ** exponent + alpha)

    return schedule


def piecewise_interpolate_schedule(interpolate_type, init_value, boundaries_and_scales=None):
    interp = {"linear": lambda s, e, pct: (e - s) * pct + s,
              "cosine": lambda s, e, pct: e + (s - e) / 2.0 * (math.cos(math.pi * pct) + 1)}[interpolate_type]
    pairs = _scales(boundaries_and_scales)
    bounds = [0] + [b for b, _ in pairs]
    values = [init_value]
    for _, s in pairs:
        values.append(values[-1] * s)

    def schedule(count):
        out = 0.0
        for i in range(len(bounds) - 1):
            if bounds[i] <= count < bounds[i + 1]:
                size = max(bounds[i + 1] - bounds[i], 1)
                out += interp(values[i], values[i + 1], (count - bounds[i]) / size)
        if bounds[-1] <= count:
            out += values[-1]
        return out

    return schedule


def linear_onecycle_schedule(transition_steps, peak_value, pct_start=0.3, pct_final=0.85, div_factor=25.0,
                             final_div_factor=1e4):
    return piecewise_interpolate_schedule("linear", peak_value / div_factor, {
        int(pct_start * transition_steps): div_factor,
        int(pct_final * transition_steps): 1.0 / div_factor,
        transition_steps: 1.0 / final_div_factor})


def cosine_onecycle_schedule(transition_steps, peak_value, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    return piecewise_interpolate_schedule("cosine", peak_value / div_factor, {
        int(pct_start * transition_steps): div_factor,
        int(transition_steps): 1.0 / (div_factor * final_div_factor)})


def join_schedules(schedules, boundaries):
    def schedule(count):
        out = schedules[0](count)
        for boundary, s in zip(boundaries, schedules[1:]):
            out = out if count < boundary else s(count - boundary)
        return out

    return schedule


def warmup_constant_schedule(init_value, peak_value, warmup_steps):
    return linear_schedule(init_value, peak_value, warmup_steps)


def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps, end_value=0.0, exponent=1.0):
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return join_schedules([linear_schedule(init_value, peak_value, warmup_steps),
                           cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)], [warmup_steps])


def warmup_exponential_decay_schedule(init_value, peak_value, warmup_steps, transition_steps, decay_rate,
                                      transition_begin=0, staircase=False, end_value=None):
    return join_schedules([linear_schedule(init_value, peak_value, warmup_steps),
                           exponential_decay(peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value)],
                          [warmup_steps])


def sgdr_schedule(cosine_kwargs):
    boundaries, schedules, step = [], [], 0
    for kw in cosine_kwargs:
        schedules.append(warmup_cosine_decay_schedule(**kw))
        boundaries.append(step + kw["decay_steps"])
        step += kw["decay_steps"]
    return join_schedules(schedules, boundaries[:-1])


NAMES = {f.__name__: f for f in (constant_schedule, polynomial_schedule, linear_schedule, piecewise_constant_schedule,
                                  exponential_decay, cosine_decay_schedule, piecewise_interpolate_schedule,
                                  linear_onecycle_schedule, cosine_onecycle_schedule, warmup_constant_schedule,
                                  warmup_cosine_decay_schedule, warmup_exponential_decay_schedule, sgdr_schedule)}


def build(name, kwargs):
    if name == "join_schedules":  # children as [name, kwargs] pairs, as dlopt takes them
        return join_schedules([build(n, k) for n, k in kwargs["schedules"]], kwargs["boundaries"])
    return NAMES[name](**kwargs)


def main():
    spec = json.load(sys.stdin)
    out = []
    for case in spec["cases"]:
        s = build(case["name"], case["kwargs"])
        out.append([float(s(k)) for k in range(spec["steps"])])
    json.dump({"values": out}, sys.stdout)


if __name__ == "__main__":
    main()
