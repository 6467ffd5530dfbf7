#!/usr/bin/python3
"""PyTorch peer of bench/cmd/accuracy: trains a workload and prints its test accuracy.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/accuracy_peer.py --workload mlp --epochs 3 --seeds 3

For each seed 1..--seeds: torch.manual_seed(seed), the model (bench/torch_peer.py's) with its
weights drawn from dlopt/models' distributions (--init dlopt, the default: the same workload as
dlopt's) or left at torch's default initialisation (--init torch), --epochs epochs over the
60,000 training images in batches of 128 (a fresh permutation from a generator seeded with seed
each epoch, the last partial batch dropped), then the accuracy on the 10,000 test images.
Prints one JSON line per seed:
seed, test_accuracy (fraction), train_loss (mean batch loss of the last epoch), seconds
(training only), backend.
"""

import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# torch_peer sets OPENBLAS_NUM_THREADS (and OPENBLAS_CORETYPE where OpenBLAS would pick kernels
# older than the CPU) before it imports torch.
import torch_peer  # noqa: E402
from torch_peer import BATCH, DATA_DIR, THREADS, cnn, fashion_train, mlp, read_idx  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

EVAL_BATCH = 1000

# name: (model factory, optimizer factory, image shape), as torch_peer.WORKLOADS trains them.
WORKLOADS = {
    "softmax": (lambda: nn.Linear(784, 10), lambda p: torch.optim.SGD(p, lr=0.1), (784,)),
    "mlp": (mlp, lambda p: torch.optim.Adam(p, lr=1e-3), (784,)),
    "cnn": (cnn, lambda p: torch.optim.Adam(p, lr=1e-3), (1, 28, 28)),
}


def fashion_test():
    """Fashion-MNIST's test set, as torch_peer.fashion_train reads the training set."""
    images = read_idx(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz"), 0x803, 3)
    labels = read_idx(os.path.join(DATA_DIR, "t10k-labels-idx1-ubyte.gz"), 0x801, 1)
    return torch.from_numpy(images.astype(np.float32) / 255), torch.from_numpy(labels.astype(np.int64))


def dlopt_init(model, name):
    """Re-draws the weights as dlopt/models does: zero biases; softmax's weights from N(0, 1/fan_in)
    (models.Linear), the MLP's and CNN's from N(0, 2/fan_in) (GoMLX's default He initializer)."""
    gain = 1 if name == "softmax" else 2
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, (nn.Linear, nn.Conv2d)):
                layer.weight.normal_(0, math.sqrt(gain / layer.weight[0].numel()))
                layer.bias.zero_()


def train_and_test(name, seed, epochs, train, test, init="dlopt"):
    """Returns (test accuracy, last epoch's mean batch loss, training seconds) for one seed."""
    make_model, make_optimizer, shape = WORKLOADS[name]
    torch.manual_seed(seed)
    model = make_model()
    if init == "dlopt":
        dlopt_init(model, name)
    optimizer = make_optimizer(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    images, labels = train[0].reshape((-1,) + shape), train[1]
    steps = len(images) // BATCH
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for i in range(steps):
            idx = order[i * BATCH : (i + 1) * BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(images[idx]), labels[idx])
            loss.backward()
            optimizer.step()
            total += loss.item()
    seconds = time.perf_counter() - start
    test_images, test_labels = test[0].reshape((-1,) + shape), test[1]
    correct = 0
    with torch.no_grad():
        for i in range(0, len(test_images), EVAL_BATCH):
            logits = model(test_images[i : i + EVAL_BATCH])
            correct += (logits.argmax(dim=1) == test_labels[i : i + EVAL_BATCH]).sum().item()
    return correct / len(test_images), total / steps, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", required=True, choices=sorted(WORKLOADS))
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--seeds", type=int, required=True)
    parser.add_argument("--init", choices=["torch", "dlopt"], default="dlopt",
                        help="dlopt/models' initial weight distributions (the default), or torch's")
    args = parser.parse_args()
    # The same limits as bench/cmd/accuracy's flags.
    if not 1 <= args.epochs <= 50:
        parser.error(f"--epochs {args.epochs}: allowed is 1..50")
    if not 1 <= args.seeds <= 20:
        parser.error(f"--seeds {args.seeds}: allowed is 1..20")
    torch.set_num_threads(THREADS)
    blas = torch_peer.blas_in_use()  # exits on the reference BLAS
    train, test = fashion_train(), fashion_test()
    backend = (f"torch {torch.__version__}, {torch.get_num_threads()} threads, {torch_peer.blas_words(blas)}, "
               f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, {args.init} initialisation")
    for seed in range(1, args.seeds + 1):
        accuracy, loss, seconds = train_and_test(args.workload, seed, args.epochs, train, test, args.init)
        print(json.dumps({"workload": args.workload, "seed": seed, "epochs": args.epochs, "test_accuracy": accuracy,
                          "train_loss": loss, "seconds": seconds, "backend": backend}), flush=True)
        print(f"accuracy: {args.workload} PyTorch seed {seed}: {100 * accuracy:.2f}% ({seconds:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
