#!/usr/bin/env bash
# The one script of the GPU benchmark (see bench/gpu/README.md): the MLP 784-H-H-10 + Adam train
# step with dlopt on GoMLX-XLA (fast and stock matrix-product gradient), JAX and PyTorch, at each
# size; writes $OUT/gpu-results.jsonl, $OUT/gpu-report.md, $OUT/run-status.txt and logs.
#
# On the device machine: bash bench/gpu/run.sh (with build/gpu/mlpstep built here and carried).
# Every setting can be overridden from the environment; selftest.sh runs it on the CPU with
# PLUGIN=none DEVICE=cpu and tiny sizes.
set -u -o pipefail
cd "$(dirname "$0")/../.."

OUT=${OUT:-build/gpu-out}
MLPSTEP=${MLPSTEP:-build/gpu/mlpstep}
PYTHON=${PYTHON:-/opt/torch/.venv/bin/python}
PLUGIN=${PLUGIN:-/opt/torch/.venv/lib/python3.12/site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so}
DEVICE=${DEVICE:-cuda}
SIZES=${SIZES:-128x256,4096x256,4096x2048}
# Steps per size: ~0.3-2 ms a step except stock GoMLX at 4096x2048 (~19 ms on an H200).
STEPS=${STEPS:-1000,500,200}
REPS=${REPS:-5}
WARMUP=${WARMUP:-20}
# The whole run stops starting commands after BUDGET_S seconds, and no command outlives it.
BUDGET_S=${BUDGET_S:-330}

mkdir -p "$OUT/logs"
results=$OUT/gpu-results.jsonl status=$OUT/run-status.txt
: >"$results"
: >"$status"
deadline=$((SECONDS + BUDGET_S))

# step NAME CAP_S CMD...: runs CMD with a timeout of min(CAP_S, time left), appends its stdout
# to the results and one line to the status file.
step() {
	local name=$1 cap=$2 left=$((deadline - SECONDS)) start=$SECONDS rc
	shift 2
	if ((left < 5)); then
		echo "$name: not run (budget of ${BUDGET_S}s spent)" | tee -a "$status"
		return
	fi
	timeout -k 5 "$((cap < left ? cap : left))" "$@" >"$OUT/logs/$name.jsonl" 2>"$OUT/logs/$name.err"
	rc=$?
	cat "$OUT/logs/$name.jsonl" >>"$results"
	echo "$name: rc=$rc in $((SECONDS - start))s$( ((rc == 124)) && echo ' (timed out)')" | tee -a "$status"
}

if command -v nvidia-smi >/dev/null; then
	card=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)
	nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
else
	card="no nvidia-smi on this machine ($(uname -m), $(nproc) CPUs)"
fi
echo "card: $card" | tee -a "$status"

if [[ $PLUGIN == none ]]; then
	backend=go
else
	if [[ ! -f $PLUGIN ]]; then
		# Another jax CUDA plugin version than expected: take the one that is there.
		found=$(ls /opt/torch/.venv/lib/python3*/site-packages/jax_plugins/*/xla_cuda_plugin.so 2>/dev/null | head -1)
		echo "plugin $PLUGIN missing; found: ${found:-none}" | tee -a "$status"
		PLUGIN=$found
	fi
	backend=xla:$PLUGIN
fi
echo "DLOPT_BACKEND=$backend XLA_FLAGS=${XLA_FLAGS-} sizes=$SIZES steps=$STEPS reps=$REPS warmup=$WARMUP" | tee -a "$status"

common=(-sizes "$SIZES" -steps "$STEPS" -reps "$REPS" -warmup "$WARMUP")
pcommon=(--sizes "$SIZES" --steps "$STEPS" --reps "$REPS" --warmup "$WARMUP" --device "$DEVICE")
peers=bench/gpu/peers.py

if [[ ! -x $MLPSTEP ]]; then
	echo "dlopt: $MLPSTEP missing; build it first: CGO_ENABLED=1 go build -o build/gpu/mlpstep ./bench/cmd/mlpstep" | tee -a "$status"
fi
# Most wanted first, so a spent budget loses the least: dlopt fast against JAX, then torch,
# then stock GoMLX (the slowest) and JAX at full float32.
[[ -x $MLPSTEP ]] && step dlopt-fast 150 env DLOPT_BACKEND="$backend" "$MLPSTEP" "${common[@]}" -gradient fast
step jax-default 120 "$PYTHON" "$peers" --impl jax --matmul default "${pcommon[@]}"
step torch-tf32 120 "$PYTHON" "$peers" --impl torch --matmul tf32 "${pcommon[@]}"
step torch-default 120 "$PYTHON" "$peers" --impl torch --matmul default "${pcommon[@]}"
[[ -x $MLPSTEP ]] && step dlopt-stock 150 env DLOPT_BACKEND="$backend" "$MLPSTEP" "${common[@]}" -gradient stock
step jax-fp32 120 "$PYTHON" "$peers" --impl jax --matmul fp32 "${pcommon[@]}"

"$PYTHON" bench/gpu/report.py --card "$card" --status "$status" --out "$OUT/gpu-report.md" "$results"
rc=$?
cat "$OUT/gpu-report.md"
exit $rc
