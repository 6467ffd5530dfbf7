#!/usr/bin/env bash
# The one script of the GPU run (see bench/gpu/README.md). On the backend (GoMLX-XLA with jax's
# CUDA plugin) it verifies, then times:
#   - `dlopt backends`: the one-step smoke graph;
#   - the MLP 784-H-H-10 + Adam train step with dlopt (GoMLX v0.28's gradient), JAX and PyTorch,
#     at each size;
#   - `dlopt train` linear, MLP, CNN, one epoch each, test accuracy printed (scripts/train-check.sh);
#   - dpcheck: data-parallel SGD through GoMLX's DeviceMesh against the simulated workers;
#   - the package tests of `make test-backend`, as test binaries built here.
# Writes $OUT/gpu-results.jsonl, $OUT/verify.md, $OUT/gpu-report.md (both), $OUT/run-status.txt
# and $OUT/logs/.
#
# On the device machine: bash bench/gpu/run.sh, with build/gpu made here by bench/gpu/pack.sh
# (`make bench-gpu-build`) and carried. Every setting can be overridden from the environment;
# selftest.sh runs it on the CPU with PLUGIN=none DEVICE=cpu, tiny sizes and subsets.
set -u -o pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
cd "$(dirname "$0")/../.."

OUT=${OUT:-build/gpu-out}
PACK=${PACK:-build/gpu}
# Where bin.tar.xz is unpacked (not under $OUT: the binaries need not come back).
WORK=${WORK:-$(mktemp -d)}
PYTHON=${PYTHON:-/opt/torch/.venv/bin/python}
PLUGIN=${PLUGIN:-/opt/torch/.venv/lib/python3.12/site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so}
DEVICE=${DEVICE:-cuda}
SIZES=${SIZES:-128x256,4096x256,4096x2048}
# Steps per size: ~0.3-2 ms a step on an H100/H200.
STEPS=${STEPS:-1000,500,200}
REPS=${REPS:-5}
WARMUP=${WARMUP:-20}
# The whole run stops starting commands after BUDGET_S seconds, and no command outlives it.
BUDGET_S=${BUDGET_S:-450}
# scripts/train-check.sh's mode: epoch (all 60,000 images) or quick (subsets).
TRAIN_MODE=${TRAIN_MODE:-epoch}
# Per test binary, seconds at most.
TEST_CAP_S=${TEST_CAP_S:-90}

mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd) PACK=$(cd "$PACK" 2>/dev/null && pwd || echo "$PACK")
results=$OUT/gpu-results.jsonl status=$OUT/run-status.txt verify=$OUT/verify.md
: >"$results"
: >"$status"
: >"$verify"
deadline=$((SECONDS + BUDGET_S))

# logged NAME CAP_S CMD...: runs CMD with a timeout of min(CAP_S, time left), its stdout in
# logs/NAME.out and stderr in logs/NAME.err, one line to the status file; returns CMD's status
# (125 when the budget was spent and it did not run).
logged() {
	local name=$1 cap=$2 left=$((deadline - SECONDS)) start=$SECONDS rc
	shift 2
	if ((left < 5)); then
		echo "$name: not run (budget of ${BUDGET_S}s spent)" | tee -a "$status"
		return 125
	fi
	timeout -k 5 "$((cap < left ? cap : left))" "$@" >"$OUT/logs/$name.out" 2>"$OUT/logs/$name.err"
	rc=$?
	echo "$name: rc=$rc in $((SECONDS - start))s$( ((rc == 124)) && echo ' (timed out)')" | tee -a "$status"
	return $rc
}

# step NAME CAP_S CMD...: a timed run; its stdout (JSON lines) goes to the results.
step() {
	logged "$@"
	local rc=$?
	if ((rc != 125)); then cat "$OUT/logs/$1.out" >>"$results"; fi
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
data=$PACK/data

# The Go binaries: unpacked with Python's tarfile (no xz binary needed there).
bin=$WORK/bin
if "$PYTHON" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$PACK/bin.tar.xz" "$bin" 2>"$OUT/logs/unpack.err"; then
	echo "unpacked $PACK/bin.tar.xz: $(ls "$bin/tests" | grep -c '\.test$') test binaries" | tee -a "$status"
else
	echo "dlopt: $PACK/bin.tar.xz missing or unreadable ($(head -c 300 "$OUT/logs/unpack.err")); build it here first: make bench-gpu-build" | tee -a "$status"
fi
MLPSTEP=$bin/mlpstep DLOPT=$bin/dlopt DPCHECK=$bin/dpcheck

# verify_backends: `dlopt backends` on the selected backend (its smoke graph), into verify.md.
verify_backends() {
	[[ -x $DLOPT ]] || return
	local rc
	logged dlopt-backends 60 env DLOPT_BACKEND="$backend" "$DLOPT" backends
	rc=$?
	((rc == 125)) && return
	{
		echo "## \`dlopt backends\` (DLOPT_BACKEND=$backend): rc=$rc"
		echo
		echo '```'
		cat "$OUT/logs/dlopt-backends.out" "$OUT/logs/dlopt-backends.err"
		echo '```'
		echo
	} >>"$verify"
}

# verify_train: scripts/train-check.sh (linear, MLP, CNN, one epoch), into verify.md.
verify_train() {
	[[ -x $DLOPT ]] || return
	local rc
	logged train-check 180 env DLOPT_BACKEND="$backend" DLOPT_DATA="$data" \
		bash scripts/train-check.sh "$DLOPT" "$OUT/train" "$TRAIN_MODE"
	rc=$?
	((rc == 125)) && return
	{
		echo "## \`dlopt train\`, one epoch each ($TRAIN_MODE): rc=$rc"
		echo
		echo '```'
		cat "$OUT/logs/train-check.out" "$OUT/logs/train-check.err"
		echo '```'
		echo
	} >>"$verify"
}

# verify_dataparallel: bench/cmd/dpcheck, data-parallel SGD through GoMLX's distributed execution
# (a DeviceMesh of every device, the batch sharded) against dlopt's simulated all-reduce
# workers, into verify.md. On one GPU it checks the distributed API on a mesh of 1; on several,
# the sharded step.
verify_dataparallel() {
	[[ -x $DPCHECK ]] || return
	local rc
	logged dpcheck 120 env DLOPT_BACKEND="$backend" "$DPCHECK"
	rc=$?
	((rc == 125)) && return
	{
		echo "## Data-parallel SGD on the devices (\`dpcheck\`): rc=$rc"
		echo
		echo '```'
		cat "$OUT/logs/dpcheck.out" "$OUT/logs/dpcheck.err"
		echo '```'
		echo
	} >>"$verify"
}

# verify_tests: each package's test binary, run in its package directory, into verify.md: one
# row per package with its counts, then the skip reasons and the failures.
verify_tests() {
	[[ -f $bin/tests/packages.txt ]] || return
	local name pkg rc row rows="" skips="" failures=""
	while read -r name pkg; do
		logged "test-$name" "$TEST_CAP_S" bash -c 'cd "$1" && shift && exec "$@"' _ "$pkg" \
			env DLOPT_BACKEND="$backend" DLOPT_DATA="$data" \
			"$bin/tests/$name.test" -test.count=1 -test.v -test.timeout="${TEST_CAP_S}s"
		rc=$?
		local log=$OUT/logs/test-$name.out
		if ((rc == 125)); then
			rows+="| $pkg | not run (budget spent) | | | |"$'\n'
			continue
		fi
		row="| $pkg | $( ((rc == 0)) && echo ok || echo "FAIL (rc=$rc)") | $(grep -c -- '--- PASS:' "$log") |"
		row+=" $(grep -c -- '--- FAIL:' "$log") | $(grep -c -- '--- SKIP:' "$log") |"
		rows+="$row"$'\n'
		skips+=$(grep -A1 -- '--- SKIP:' "$log" | grep -v -- '--- SKIP:\|^--$' | sed "s|^ *|$pkg: |")$'\n'
		failures+=$(grep -A3 -- '--- FAIL:' "$log" | head -40 | sed "s|^|$pkg: |")$'\n'
	done <"$bin/tests/packages.txt"
	{
		echo "## Package tests (test binaries of \`make test-backend\`, DLOPT_BACKEND=$backend)"
		echo
		echo "| package | result | passed | failed | skipped |"
		echo "|---|---|---|---|---|"
		printf '%s' "$rows"
		echo
		echo "Skip reasons:"
		echo
		echo '```'
		printf '%s' "$skips" | grep -v '^$' | sort | uniq -c
		echo '```'
		if [[ -n ${failures//$'\n'/} ]]; then
			echo
			echo "Failures (first lines):"
			echo
			echo '```'
			printf '%s' "$failures" | grep -v '^$'
			echo '```'
		fi
		echo
	} >>"$verify"
}

# Most wanted first, so a spent budget loses the least: the smoke graph, dlopt against JAX,
# then torch, the training runs and the tests, then full float32.
verify_backends
[[ -x $MLPSTEP ]] && step dlopt 150 env DLOPT_BACKEND="$backend" "$MLPSTEP" "${common[@]}"
step jax-default 120 "$PYTHON" "$peers" --impl jax --matmul default "${pcommon[@]}"
step torch-tf32 120 "$PYTHON" "$peers" --impl torch --matmul tf32 "${pcommon[@]}"
verify_train
verify_dataparallel
verify_tests
step torch-default 120 "$PYTHON" "$peers" --impl torch --matmul default "${pcommon[@]}"
step jax-fp32 120 "$PYTHON" "$peers" --impl jax --matmul fp32 "${pcommon[@]}"

"$PYTHON" bench/gpu/report.py --card "$card" --status "$status" --verify "$verify" --out "$OUT/gpu-report.md" "$results"
rc=$?
cat "$OUT/gpu-report.md"
exit $rc
