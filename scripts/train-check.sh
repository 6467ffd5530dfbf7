#!/usr/bin/env bash
# Trains the linear model, the MLP and the CNN for one epoch with a built `dlopt` binary on the
# backend $DLOPT_BACKEND selects, prints each final test accuracy, and fails when one is below
# its floor. The floors only catch broken training (chance is 10%), they are no accuracy claim
# (tests/accuracy_test.go and `make bench-accuracy` make those).
#
#   scripts/train-check.sh DLOPT_BINARY OUT_DIR quick   # subsets: ~1 minute on 2 cores (make test-backend)
#   scripts/train-check.sh DLOPT_BINARY OUT_DIR epoch   # full epoch of 60,000 images (bench/gpu)
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
if [[ $# -ne 3 || ! -x $1 || ! $3 =~ ^(quick|epoch)$ ]]; then
  echo "usage: $0 DLOPT_BINARY OUT_DIR quick|epoch (got: $*)" >&2
  exit 2
fi
bin=$1 out=$2 mode=$3
# model, training examples in quick mode (0: all), floor of the test accuracy (quick, epoch).
models=("linear 4096 0.60 0.78" "mlp 4096 0.60 0.80" "cnn 1024 0.40 0.80")
mkdir -p "$out"
status=0
for spec in "${models[@]}"; do
  read -r model limit quick_floor epoch_floor <<<"$spec"
  args=(--model "$model" --epochs 1 --seed 1 --quiet --out "$out/$model")
  floor=$epoch_floor
  if [[ $mode == quick ]]; then
    args+=(--train-limit "$limit" --test-limit 1000)
    floor=$quick_floor
  fi
  start=$(date +%s.%N)
  if ! "$bin" train "${args[@]}" >"$out/$model.log" 2>&1; then
    echo "train-check: $model FAILED on ${DLOPT_BACKEND:-the default backend}:" >&2
    tail -20 "$out/$model.log" >&2
    status=1
    continue
  fi
  seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
  accuracy=$(tail -1 "$out/$model/metrics.csv" | cut -d, -f4)
  verdict=ok
  if ! awk -v a="$accuracy" -v f="$floor" 'BEGIN { exit !(a >= f) }'; then
    verdict="BELOW the floor $floor"
    status=1
  fi
  printf 'train-check: %-6s %s, 1 epoch, backend %s: test accuracy %.2f%% (%s), %.1f s\n' \
    "$model" "$mode" "${DLOPT_BACKEND:-default}" "$(awk -v a="$accuracy" 'BEGIN { print 100 * a }')" "$verdict" "$seconds"
done
exit $status
