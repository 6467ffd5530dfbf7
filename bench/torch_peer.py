#!/usr/bin/python3
"""PyTorch peer of bench/cmd/dlbench: the same workloads, the same JSON line per run.

Run with Debian's /usr/bin/python3 (torch 1.13, CPU):

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_peer.py --workload mlp --reps 3

Each workload is prepared (data read, model built, one untimed step), then timed --reps times.
The workloads, their sizes and hyperparameters match dlbench's (see its package doc); only the
CNN differs in mechanism (nn.Conv2d and nn.MaxPool2d here; a gather and a matrix product, and a
reshape and ReduceMax, in dlopt/models.CNN).
"""

import argparse
import gzip
import json
import os
import struct
import sys
import time

# OpenBLAS threads and torch's OpenMP threads fight over the cores: one BLAS thread, and torch
# gets the two threads through set_num_threads below. Must be set before torch is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# OpenBLAS's kernels: where it would pick older ones than this CPU allows (0.3.21 takes AVX-512
# Xeons for "Prescott"), OPENBLAS_CORETYPE is set for this process before torch loads it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "internal", "torchblas"))
import torchblas  # noqa: E402

BLAS_NOTE = torchblas.configure()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

# torch.set_num_threads: 2 by default (the course machines' cores); $TORCH_THREADS overrides it.
THREADS = int(os.environ.get("TORCH_THREADS", "2"))
BATCH = 128
DATA_DIR = os.environ.get("DLOPT_DATA", "").strip() or "/usr/share/datasets/fashion-mnist"
QUADRATIC_STEPS = 10_000
MAT_M, MAT_K, MAT_N, MAT_PRODUCTS = 512, 784, 256, 20


def read_idx(path, magic, dims):
    """Reads a gzipped IDX file of unsigned bytes with the given magic number and rank."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    got = struct.unpack(">I", raw[:4])[0]
    if got != magic:
        raise ValueError(f"{path}: magic {got:#x}, want {magic:#x}")
    shape = struct.unpack(">" + "I" * dims, raw[4 : 4 + 4 * dims])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes of data for shape {shape}")
    return data.reshape(shape)


def fashion_train():
    """Fashion-MNIST's training set as float32 images in [0, 1] [60000, 28, 28] and int64 labels."""
    images = read_idx(os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz"), 0x803, 3)
    labels = read_idx(os.path.join(DATA_DIR, "train-labels-idx1-ubyte.gz"), 0x801, 1)
    return torch.from_numpy(images.astype(np.float32) / 255), torch.from_numpy(labels.astype(np.int64))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 16, 10),
    )


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def setup_training(model, make_optimizer, image_shape, max_steps):
    """Returns (reset, run, units, steps): run trains one epoch (max_steps 0) or max_steps steps
    of batch 128, dropping the last partial batch, shuffled with a fresh permutation each time,
    and returns the mean batch loss."""
    images, labels = fashion_train()
    images = images.reshape((-1,) + image_shape)
    optimizer = make_optimizer(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(1)

    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()  # one scalar per step, as dlbench reads its batch loss

    step(images[:BATCH], labels[:BATCH])
    steps = len(images) // BATCH
    if max_steps:
        steps = min(steps, max_steps)

    def run():
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for i in range(steps):
            idx = order[i * BATCH : (i + 1) * BATCH]
            total += step(images[idx], labels[idx])
        return total / steps

    return None, run, 1, steps


def setup_update(kind, n):
    """One optimizer.step() with p.grad set once: Adam lr 1e-3, or SGD lr 0.01 momentum 0.9."""
    p = torch.zeros(n, requires_grad=True)
    # The same gradient as dlbench's fixedGradient: ((i·7919) mod 2001 − 1000)/1000.
    i = torch.arange(n, dtype=torch.int64)
    p.grad = (((i * 7919) % 2001 - 1000).double() / 1000).float()
    if kind == "adam":
        optimizer = torch.optim.Adam([p], lr=1e-3)
    else:
        optimizer = torch.optim.SGD([p], lr=0.01, momentum=0.9)
    optimizer.step()
    units = 10 if n >= 10_000_000 else 20

    def run():
        for _ in range(units):
            optimizer.step()
        return p.detach().double().mean().item()

    return None, run, units, units


def setup_quadratic():
    """10,000 Adam steps (lr 0.01) on f(x) = (x1² + 10·x2²)/2 from (200, 200), a fresh x and
    optimizer each repetition (dlbench's optim.RunFunc starts afresh too); the check is f at the
    final x, read once at the end."""
    a = torch.tensor([1.0, 10.0])

    def run():
        x = torch.tensor([200.0, 200.0], requires_grad=True)
        opt = torch.optim.Adam([x], lr=0.01)
        for _ in range(QUADRATIC_STEPS):
            opt.zero_grad()
            f = 0.5 * (a * x * x).sum()
            f.backward()
            opt.step()
        with torch.no_grad():
            return (0.5 * (a * x * x).sum()).item()

    return None, run, 1, QUADRATIC_STEPS


def setup_matmul():
    generator = torch.Generator().manual_seed(3)
    a = torch.rand(MAT_M, MAT_K, generator=generator)
    b = torch.rand(MAT_K, MAT_N, generator=generator)
    a @ b

    def run():
        start = time.perf_counter()
        for _ in range(MAT_PRODUCTS):
            a @ b
        per_product = (time.perf_counter() - start) / MAT_PRODUCTS
        return 2 * MAT_M * MAT_K * MAT_N / per_product / 1e9

    return None, run, MAT_PRODUCTS, MAT_PRODUCTS


WORKLOADS = {
    "softmax": ("epoch", "mean train loss",
                lambda a: setup_training(nn.Linear(784, 10), lambda p: torch.optim.SGD(p, lr=0.1), (784,), 0)),
    "mlp": ("epoch", "mean train loss",
            lambda a: setup_training(mlp(), lambda p: torch.optim.Adam(p, lr=1e-3), (784,), 0)),
    "cnn": ("steps", "mean train loss",
            lambda a: setup_training(cnn(), lambda p: torch.optim.Adam(p, lr=1e-3), (1, 28, 28), a.steps)),
    "adam-1m": ("update", "mean parameter", lambda a: setup_update("adam", 1_000_000)),
    "adam-10m": ("update", "mean parameter", lambda a: setup_update("adam", 10_000_000)),
    "sgdm-1m": ("update", "mean parameter", lambda a: setup_update("sgdm", 1_000_000)),
    "sgdm-10m": ("update", "mean parameter", lambda a: setup_update("sgdm", 10_000_000)),
    "quadratic": ("10k steps", "final f", lambda a: setup_quadratic()),
    "matmul": ("product", "GFLOP/s", lambda a: setup_matmul()),
}


def blas_in_use():
    """The BLAS this process runs on (torchblas.report: library, OpenBLAS core, what was forced,
    CPU model); exits with an error on the reference BLAS: a crippled peer gives no ratio."""
    try:
        return torchblas.report(BLAS_NOTE)
    except RuntimeError as e:
        sys.exit(f"torch_peer: {e}")


def blas_words(blas):
    """blas_in_use() in words for the "backend" field."""
    return blas["blas"] + (f" ({blas['blas_note']})" if blas["blas_note"] else "")


def peak_rss_mb():
    """Peak resident set size (VmHWM) of this process, in MiB, as dlbench reads it."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM line in /proc/self/status")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", required=True, choices=sorted(WORKLOADS))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--steps", type=int, default=100, help="cnn: training steps per repetition")
    args = parser.parse_args()
    if not 1 <= args.reps <= 100:
        parser.error(f"--reps {args.reps}: allowed is 1..100")
    if not 1 <= args.steps <= 468:
        parser.error(f"--steps {args.steps}: allowed is 1..468 (one epoch of full batches of 128 at most)")
    torch.set_num_threads(THREADS)
    torch.manual_seed(1)
    blas = blas_in_use()

    unit, check_name, setup = WORKLOADS[args.workload]
    start = time.perf_counter()
    reset, run, units, steps = setup(args)
    setup_seconds = time.perf_counter() - start
    seconds, check = [], None
    for _ in range(args.reps):
        if reset:
            reset()
        start = time.perf_counter()
        check = run()
        seconds.append((time.perf_counter() - start) / units)
    threads = torch.get_num_threads()
    json.dump({
        "workload": args.workload, "impl": f"pytorch-{threads}t",
        "backend": f"torch {torch.__version__}, {threads} threads, {blas_words(blas)}, "
                   f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}",
        "blas": blas["blas"], "blas_core": blas["blas_core"], "blas_note": blas["blas_note"],
        "blas_level": blas["blas_level"], "cpu": blas["cpu"], "cpu_level": blas["cpu_level"],
        "seconds": seconds, "unit": unit, "steps": steps, "check": check, "check_name": check_name,
        "peak_rss_mb": peak_rss_mb(), "setup_seconds": setup_seconds,
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
