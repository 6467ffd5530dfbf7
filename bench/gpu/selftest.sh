#!/usr/bin/env bash
# Runs the GPU script on this CPU: pack.sh (fast compression, two test packages), then run.sh at
# tiny sizes (simplego, torch on the CPU, JAX skipped when not importable, training on subsets),
# and checks its outputs (benchmark lines, smoke graph, training accuracies, test table), so the
# device session's one run is not its first. Also checks that report.py rejects a bad line and
# that a spent budget starts nothing. About 3-5 minutes on 2 cores.
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

XZ_LEVEL=-0 PACKAGES="./internal/backendtest ./dlopt/models" DEST=$tmp/pack bash bench/gpu/pack.sh
export OPENBLAS_NUM_THREADS=1
OUT=$tmp/out PACK=$tmp/pack WORK=$tmp/work PYTHON=$PYTHON PLUGIN=none DEVICE=cpu TRAIN_MODE=quick \
	SIZES=8x16,16x32 STEPS=3,2 REPS=2 WARMUP=2 bash bench/gpu/run.sh >"$tmp/run.log"

"$PYTHON" - "$tmp/out" <<'PY'
import json, sys
out = sys.argv[1]
lines = [json.loads(l) for l in open(f"{out}/gpu-results.jsonl") if l.strip()]
runs = {}
for l in lines:
    runs.setdefault((l["impl"], l["variant"]), []).append(l)
want = {("dlopt", ""), ("torch", "default"), ("torch", "tf32"),
        ("jax", "default"), ("jax", "fp32")}
assert set(runs) == want, f"runs {sorted(runs)}, want {sorted(want)}"
for key, ls in runs.items():
    assert [(l["batch"], l["hidden"]) for l in ls] == [(8, 16), (16, 32)], (key, ls)
    for l in ls:
        assert "error" not in l, l
        if "skipped" in l:
            assert key[0] == "jax", f"only jax may be skipped here: {l}"
            continue
        assert l["loss_finite"] and l["data_on_device"], l
        assert len(l["ms_per_step"]) == 2 and l["median_ms"] > 0, l
        assert l["steps"] == {8: 3, 16: 2}[l["batch"]] and l["reps"] == 2 and l["warmup"] == 2, l
report = open(f"{out}/gpu-report.md").read()
for row in ("| 8 x 16 |", "| 16 x 32 |", "| dlopt |", "dlopt / jax default", "torch tf32", "batch copied on the device", "## Run log"):
    assert row in report, f"report lacks {row!r}"
status = open(f"{out}/run-status.txt").read()
for name in ("dlopt-backends", "dlopt", "train-check", "dpcheck", "test-internal_backendtest", "test-dlopt_models"):
    assert f"{name}: rc=0" in status, f"{name} did not pass:\n{status}"
# The verification: smoke graph, one accuracy per model above its floor, one row per package.
assert "# Verification on the backend" in report, "report lacks the verification"
assert "one-step smoke graph: ok" in report, "no smoke graph result"
for model in ("linear", "mlp", "cnn"):
    assert any(l.startswith(f"train-check: {model} ") and "test accuracy" in l and "(ok)" in l
               for l in report.splitlines()), f"no passing accuracy line for {model}"
for pkg in ("./internal/backendtest", "./dlopt/models"):
    row = next((l for l in report.splitlines() if l.startswith(f"| {pkg} | ")), None)
    assert row and row.split("|")[2].strip() == "ok" and int(row.split("|")[3]) > 0, f"test row for {pkg}: {row}"
# The Go backend has no distributed execution: dpcheck says so after checking the reference.
assert "dpcheck: SKIP: the backend has no distributed execution" in report, "no dpcheck line"
print(f"selftest: {len(lines)} result lines; report {len(report.splitlines())} lines")
PY

# report.py must refuse a line that is not JSON, naming it.
printf '{"impl":"x","batch":1,"hidden":1}\nnot json\n' >"$tmp/bad.jsonl"
if "$PYTHON" bench/gpu/report.py --out "$tmp/bad.md" "$tmp/bad.jsonl" 2>"$tmp/bad.err"; then
	echo "selftest: report.py accepted a bad line" >&2
	exit 1
fi
grep -q "bad.jsonl:2" "$tmp/bad.err"

# With no budget left, run.sh starts nothing and says so (8 steps and one per test package).
OUT=$tmp/out0 PACK=$tmp/pack WORK=$tmp/work0 PYTHON=$PYTHON PLUGIN=none DEVICE=cpu BUDGET_S=0 \
	bash bench/gpu/run.sh >/dev/null
[[ $(grep -c "not run (budget" "$tmp/out0/run-status.txt") == 10 ]]
if grep -q "rc=" "$tmp/out0/run-status.txt"; then
	echo "selftest: with no budget left run.sh still ran something" >&2
	exit 1
fi
echo "selftest: ok"
