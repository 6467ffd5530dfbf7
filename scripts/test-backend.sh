#!/usr/bin/env bash
# `make test-backend BACKEND=<config>`: the suite on one backend (README: Backends). With
# DLOPT_BACKEND=<config> for everything: `dlopt backends` (the selected backend must be usable and
# run its one-step smoke graph), every package's tests (tests that cannot hold there skip with
# the reason, internal/backendtest), the notebook tests, and scripts/train-check.sh (linear, MLP,
# CNN, one epoch on subsets). Examples: BACKEND=go, BACKEND=onnx, BACKEND=xla:cpu,
# BACKEND=xla:/abs/path/xla_cuda_plugin.so. PACKAGES narrows the package tests (default: all but
# ./tests, whose end-to-end tests other than the notebooks do not depend on the backend);
# NOTEBOOKS (a regexp of notebook names, e.g. '^03_') narrows the notebook tests; TRAIN_CHECK=0
# leaves out `dlopt train` (`make test`'s ONNX pass sets all three to fit CI's time).
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
cd "$(dirname "$0")/.."
if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: $0 BACKEND (e.g. go, onnx, onnx:/abs/path/libonnxruntime.so.1, xla:cpu, xla:/abs/path/plugin.so)" >&2
  exit 2
fi
export DLOPT_BACKEND=$1
unset GOMLX_BACKEND
out=build/test-backend
mkdir -p "$out"
go build -o "$out/dlopt" ./cmd/dlopt

step() { echo; echo "== test-backend $DLOPT_BACKEND: $*"; }
step "dlopt backends"
"$out/dlopt" backends
# Examples cannot skip themselves: those whose printed figures hold on one backend only are left
# out here, with the reason (README: Backends lists them).
skip=()
case "$DLOPT_BACKEND" in
  onnx | onnx:* | onnxruntime | onnxruntime:*)
    # 3000 float64 Adam steps on Rosenbrock: f at the end moves from 5.7e-06 to 7.5e-03 on the Go
    # backend itself when x0 moves by one ulp; ONNX Runtime's last-bit differences give 1.5e-08.
    skip=(-skip '^ExampleNewOptimizer$') ;;
esac
step "package tests"
# shellcheck disable=SC2046 # one word per package
go test -count=1 -timeout 60m "${skip[@]}" ${PACKAGES:-$(go list ./... | grep -v '/tests$')}
step "notebook tests"
go test -count=1 -timeout 60m -run "TestNotebooks/${NOTEBOOKS:-}" ./tests/
if [[ ${TRAIN_CHECK:-1} != 0 ]]; then
  step "dlopt train: linear, MLP, CNN"
  rm -rf "$out/train" # dlopt train refuses an --out that holds an earlier run's checkpoints
  bash scripts/train-check.sh "$out/dlopt" "$out/train" quick
fi
echo
echo "test-backend $DLOPT_BACKEND: passed"
