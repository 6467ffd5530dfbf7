#!/usr/bin/env bash
# `make bench-accuracy`: the accuracy-parity check of dlopt against PyTorch (bench/cmd/accuracy,
# which runs bench/accuracy_peer.py). Arguments go to bench/cmd/accuracy, e.g.
#
#   bash bench/accuracy.sh -workloads softmax,mlp -epochs mlp=5 -seeds mlp=5 -peer-seeds mlp=20
#
# Defaults: epochs and seeds (dlopt / PyTorch) softmax 5, 5 / 5; mlp 3, 3 / 10; cnn 1, 3 / 10:
# about 10 minutes on 2 cores, almost all of it dlopt's. Appends one JSON line per workload to
# build/bench/accuracy.jsonl, prints a markdown table, exits 1 when a workload misses parity.
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
cd "$(dirname "$0")/.."

out=build/bench
mkdir -p "$out"
go build -o "$out/accuracy" ./bench/cmd/accuracy

# BLAS changes only the peer's speed here, not its results: use OpenBLAS where it is installed or
# where `make bench` (bench/run.sh) unpacked it. The peer exits on the reference BLAS, sets
# OPENBLAS_CORETYPE for itself where OpenBLAS would pick kernels older than the CPU, and its JSON
# names the library and kernel.
export OPENBLAS_NUM_THREADS=1
for blas in /usr/lib/x86_64-linux-gnu/openblas-pthread "$out/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread"; do
  if [[ -e $blas/libblas.so.3 ]]; then
    export LD_LIBRARY_PATH="$(realpath "$blas")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    break
  fi
done

exec "$out/accuracy" -python "${PYTHON:-/usr/bin/python3}" "$@"
