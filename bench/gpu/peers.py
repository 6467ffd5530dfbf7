"""The MLP train step of bench/cmd/mlpstep, timed with PyTorch or JAX.

MLP 784-H-H-10 (ReLU), softmax cross-entropy, Adam lr 1e-3, float32, on one fixed random batch
made once on the device. Each repetition queues `steps` steps and then reads the last loss to
the host (after torch.cuda.synchronize() / block_until_ready()), as mlpstep does; ms/step is
the repetition's wall time / steps. Prints one JSON line per size with mlpstep's fields.

    python peers.py --impl jax --sizes 128x256,4096x2048 --steps 1000,200 --reps 5 --warmup 20

--matmul picks the float32 matrix-product mode: "default" leaves each library's default
(torch: full float32 since 1.12; JAX: precision DEFAULT, TF32 on Ampere/Hopper GPUs),
"tf32" and "fp32" force one. What was in effect is written in the "precision" field.
"""

import argparse
import json
import math
import os
import sys
import time

INPUT, CLASSES, LR = 784, 10, 1e-3
MAX_DIM = 1 << 16


def parse_sizes(s):
    sizes = []
    for item in s.split(","):
        b, sep, h = item.strip().partition("x")
        try:
            batch, hidden = int(b), int(h)
        except ValueError:
            batch = hidden = 0
        if not sep or not (1 <= batch <= MAX_DIM and 1 <= hidden <= MAX_DIM):
            raise ValueError(f"--sizes: bad size {item!r} in {s!r}: want BATCHxHIDDEN with both "
                             f"integers in 1..{MAX_DIM}, e.g. 128x256")
        sizes.append((batch, hidden))
    return sizes


def parse_steps(s, num_sizes):
    steps = []
    for item in s.split(","):
        try:
            n = int(item.strip())
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(f"--steps: bad step count {item!r} in {s!r}: want a positive integer")
        steps.append(n)
    if len(steps) == 1:
        return steps * num_sizes
    if len(steps) != num_sizes:
        raise ValueError(f"--steps {s!r}: got {len(steps)} counts for {num_sizes} sizes; "
                         "give one count, or one per size")
    return steps


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", required=True, choices=["torch", "jax"])
    p.add_argument("--sizes", default="128x256,4096x256,4096x2048")
    p.add_argument("--steps", default="200")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--matmul", default="default", choices=["default", "tf32", "fp32"])
    a = p.parse_args(argv)
    try:
        a.sizes = parse_sizes(a.sizes)
        a.steps = parse_steps(a.steps, len(a.sizes))
        if a.reps < 1:
            raise ValueError(f"--reps {a.reps}: want at least 1")
        if a.warmup < 1:
            raise ValueError(f"--warmup {a.warmup}: want at least 1 (the first step compiles)")
    except ValueError as e:
        p.error(str(e))
    return a


def finite_or_none(x):
    return x if math.isfinite(x) else None


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def measure(step, sync_loss, steps, reps, warmup):
    """step() queues one train step and returns its loss (on the device); sync_loss(loss) waits
    for it and returns it as a float. Returns (ms per step per rep, first loss, last loss)."""
    loss_first = sync_loss(step())
    loss = None
    for _ in range(warmup - 1):
        loss = step()
    if loss is not None:
        sync_loss(loss)
    ms, loss_last = [], float("nan")
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = step()
        loss_last = sync_loss(loss)
        ms.append((time.perf_counter() - t0) * 1e3 / steps)
    return ms, loss_first, loss_last


def jax_config_value(jax, name):
    """Reads a jax.config option (attribute access in most versions, read() in some)."""
    try:
        return getattr(jax.config, name)
    except AttributeError:
        try:
            return jax.config.read(name)
        except Exception as e:  # not worth failing the benchmark over
            return f"unreadable ({type(e).__name__})"


def torch_runner(args):
    import torch
    import torch.nn.functional as F

    if args.device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda but torch.cuda.is_available() is False")
    dev = torch.device(args.device)
    if args.matmul != "default":
        torch.set_float32_matmul_precision({"tf32": "high", "fp32": "highest"}[args.matmul])
    precision = (f"torch.backends.cuda.matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32}, "
                 f"float32_matmul_precision={torch.get_float32_matmul_precision()!r}")
    if args.device == "cpu":
        precision += " (CPU: float32 arithmetic)"
    device_name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    info = dict(backend=f"torch {torch.__version__} eager", backend_config=args.device,
                device=device_name, gradient="torch autograd", precision=precision)

    def setup(batch, hidden):
        torch.manual_seed(1)
        model = torch.nn.Sequential(
            torch.nn.Linear(INPUT, hidden), torch.nn.ReLU(),
            torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
            torch.nn.Linear(hidden, CLASSES)).to(dev)
        x = torch.rand(batch, INPUT, device=dev)
        y = torch.randint(0, CLASSES, (batch,), device=dev)
        # fused=True exists from torch 1.13 and needs CUDA; elsewhere foreach is the fastest.
        try:
            opt = torch.optim.Adam(model.parameters(), lr=LR, fused=dev.type == "cuda")
            name = "torch.optim.Adam(fused=True)" if dev.type == "cuda" else "torch.optim.Adam"
        except (TypeError, RuntimeError):
            opt = torch.optim.Adam(model.parameters(), lr=LR, foreach=True)
            name = "torch.optim.Adam(foreach=True)"

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss.detach()

        def sync_loss(loss):
            if dev.type == "cuda":
                torch.cuda.synchronize()
            return loss.item()

        on_device = x.device.type == dev.type and y.device.type == dev.type
        return step, sync_loss, name, on_device

    return info, setup


def jax_runner(args):
    import jax
    import jax.numpy as jnp

    if args.matmul != "default":
        jax.config.update("jax_default_matmul_precision",
                          {"tf32": "tensorfloat32", "fp32": "float32"}[args.matmul])
    platform = jax.default_backend()
    want = ("gpu", "cuda") if args.device == "cuda" else ("cpu",)
    if platform not in want:
        raise RuntimeError(f"--device {args.device} but jax.default_backend() is {platform!r}")
    dev = jax.devices()[0]
    setting = jax_config_value(jax, "jax_default_matmul_precision")
    precision = f"jax_default_matmul_precision={setting!r}"
    if setting is None:
        precision += (" (precision DEFAULT: TF32 on Ampere/Hopper GPUs per JAX's docs)"
                      if platform != "cpu" else " (precision DEFAULT: float32 on CPU)")
    info = dict(backend=f"jax {jax.__version__} jit", backend_config=platform,
                device=getattr(dev, "device_kind", str(dev)), gradient="jax.value_and_grad",
                precision=precision)
    try:
        import optax
    except ImportError:
        optax = None

    def loss_fn(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = jax.nn.relu(h @ w + b)
        w, b = params[-1]
        logits = h @ w + b
        picked = jnp.take_along_axis(logits, y[:, None], axis=1)[:, 0]
        return jnp.mean(jax.nn.logsumexp(logits, axis=1) - picked)

    def adam_init(params):
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
        return (jnp.zeros((), jnp.int32), zeros, zeros)

    def adam_update(grads, state, params, b1=0.9, b2=0.999, eps=1e-8):
        # torch.optim.Adam's update, written out for when optax is missing.
        t, m, v = state
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        tf = t.astype(jnp.float32)
        c1, c2 = 1 - b1 ** tf, 1 - b2 ** tf
        params = jax.tree_util.tree_map(
            lambda p, m, v: p - LR * (m / c1) / (jnp.sqrt(v / c2) + eps), params, m, v)
        return params, (t, m, v)

    if optax is not None:
        opt = optax.adam(LR)
        opt_name = f"optax.adam (optax {optax.__version__})"

        def update(grads, state, params):
            updates, state = opt.update(grads, state, params)
            return optax.apply_updates(params, updates), state
        init = opt.init
    else:
        opt_name, update, init = "hand-written Adam in jax.numpy (optax not importable)", adam_update, adam_init

    def train_step(params, state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        params, state = update(grads, state, params)
        return params, state, loss

    jitted = jax.jit(train_step, donate_argnums=(0, 1))

    def setup(batch, hidden):
        key = jax.random.PRNGKey(1)
        dims = [INPUT, hidden, hidden, CLASSES]
        params = []
        for fan_in, fan_out in zip(dims, dims[1:]):
            key, kw, kb = jax.random.split(key, 3)
            bound = 1 / math.sqrt(fan_in)  # torch.nn.Linear's default range
            params.append((jax.random.uniform(kw, (fan_in, fan_out), jnp.float32, -bound, bound),
                           jax.random.uniform(kb, (fan_out,), jnp.float32, -bound, bound)))
        key, kx, ky = jax.random.split(key, 3)
        x = jax.device_put(jax.random.uniform(kx, (batch, INPUT), jnp.float32), dev)
        y = jax.device_put(jax.random.randint(ky, (batch,), 0, CLASSES, jnp.int32), dev)
        carry = {"params": params, "state": init(params)}

        def step():
            carry["params"], carry["state"], loss = jitted(carry["params"], carry["state"], x, y)
            return loss

        def sync_loss(loss):
            return float(loss.block_until_ready())

        on_device = all(d == dev for a in (x, y) for d in a.devices())
        return step, sync_loss, opt_name, on_device

    return info, setup


def main(argv):
    args = parse_args(argv)
    # batch_copy_ms: mlpstep copies its batch on the device every step (GoMLX v0.28's Trainer
    # consumes the batch it is given); the peers reuse theirs, so no copy: 0.
    base = dict(impl=args.impl, variant=args.matmul, dtype="float32", reps=args.reps,
                warmup=args.warmup, xla_flags=os.environ.get("XLA_FLAGS", ""), batch_copy_ms=0.0)
    try:
        info, setup = (torch_runner if args.impl == "torch" else jax_runner)(args)
    except ImportError as e:
        for batch, hidden in args.sizes:
            print(json.dumps(dict(base, batch=batch, hidden=hidden,
                                  skipped=f"{args.impl} not importable: {e}")), flush=True)
        return 0
    except Exception as e:  # e.g. --device cuda without a GPU: say so in the results
        for batch, hidden in args.sizes:
            print(json.dumps(dict(base, batch=batch, hidden=hidden,
                                  error=f"{type(e).__name__}: {e}")), flush=True)
        return 1
    failed = False
    for (batch, hidden), steps in zip(args.sizes, args.steps):
        line = dict(base, **info, batch=batch, hidden=hidden, steps=steps)
        try:
            step, sync_loss, opt_name, on_device = setup(batch, hidden)
            ms, first, last = measure(step, sync_loss, steps, args.reps, args.warmup)
            line.update(optimizer=opt_name, data_on_device=on_device, ms_per_step=ms,
                        median_ms=median(ms), loss_first=finite_or_none(first),
                        loss_last=finite_or_none(last),
                        loss_finite=math.isfinite(first) and math.isfinite(last),
                        sync="steps queued, then 1 loss read to host per repetition")
        except Exception as e:  # one size failing (e.g. out of memory) must not hide the others
            failed = True
            line["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
