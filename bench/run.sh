#!/usr/bin/env bash
# `make bench`: the before/after report of the GoMLX v0.26 -> v0.28 port, from one run on one
# machine. Three programs per workload, back to back:
#   before  bench/cmd/dlbench built from the last v0.26 commit ($BEFORE_COMMIT, default 60a5073),
#           from its own tree (git archive), with the machine's Go 1.26 (GOTOOLCHAIN=local, no
#           GOEXPERIMENT); cached in build/bench/before-$BEFORE_COMMIT/;
#   after   bench/cmd/dlbench built from the working tree with Go 1.27.3 and GOEXPERIMENT=simd;
#   after-onnx  the same after binaries on ONNX Runtime (DLOPT_BACKEND=onnx, the library of
#           `make setup`), when dlopt finds it usable; skipped with the reason otherwise, or with
#           ONNX=0;
#   peer    bench/torch_peer.py, PyTorch on OpenBLAS at its best kernel for this CPU.
# The workload "quadratic-host" (10,000 Adam steps on the 2-D quadratic, one graph execution per
# step driven from Go) is bench/cmd/hostloop, one source built against both trees (it uses only
# dlopt/optim's API and bench/internal/measure's Result, the same in both); its peer is torch_peer.py's "quadratic" (an eager loop).
# dlopt's Go backend, ONNX Runtime and torch get the same number of threads: BENCH_THREADS
# (default: all cores), as GOMAXPROCS for the dlopt builds, ONNX Runtime's intra_op_num_threads
# (its operators run one at a time, sequential execution mode, so it has no other pool) and
# torch.set_num_threads for the peer.
#
# Writes build/bench/results.jsonl (one JSON line per run: impl "before", "after", "after-onnx"
# or "pytorch-Nt") and build/bench/report.md (machine, versions, the table of
# bench/cmd/benchreport with the issue's targets), and prints the report.
#
# Environment: REPS (timed repetitions per run, default 3), CNN_STEPS (steps per CNN repetition,
# default 468: one epoch), CNN_REPS (default REPS), WORKLOADS (default "softmax mlp cnn matmul
# quadratic quadratic-host"; dlbench also has adam-1m adam-10m sgdm-1m sgdm-10m), BENCH_THREADS,
# PROFILE=1 (CPU profiles of the after build, see below: where a target is missed, the report
# says where the time goes), BENCH_NOTEBOOKS=1 (also the wall time of `make notebooks` with the
# after build; several minutes, so not by default), ONNX=0 (no after-onnx runs).
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
cd "$(dirname "$0")/.."

REPS=${REPS:-3}
CNN_STEPS=${CNN_STEPS:-468}
CNN_REPS=${CNN_REPS:-$REPS}
WORKLOADS=${WORKLOADS:-"softmax mlp cnn matmul quadratic quadratic-host"}
BENCH_THREADS=${BENCH_THREADS:-$(nproc)}
BEFORE_COMMIT=${BEFORE_COMMIT:-60a5073}
PYTHON=${PYTHON:-/usr/bin/python3}
out=build/bench
mkdir -p "$out"
go build -o "$out/dlbench" ./bench/cmd/dlbench
go build -o "$out/hostloop" ./bench/cmd/hostloop
go build -o "$out/benchreport" ./bench/cmd/benchreport

# The before build: the commit's own tree, its own go.mod (GoMLX v0.26.0), Go 1.26 without the
# simd experiment, as it was built then. bench/cmd/hostloop is copied in (it did not exist then;
# it compiles against either API). Cached per commit and hostloop source.
before=$out/before-$BEFORE_COMMIT
stamp=$(sha256sum bench/cmd/hostloop/main.go | cut -c1-16)
if [[ ! -x $before/dlbench || ! -x $before/hostloop || $(cat "$before/stamp" 2>/dev/null) != "$stamp" ]]; then
  echo "bench: building the before binaries from $BEFORE_COMMIT (Go 1.26, GoMLX v0.26; a few minutes the first time)" >&2
  rm -rf "$before" && mkdir -p "$before/src/bench/cmd/hostloop"
  git archive "$BEFORE_COMMIT" | tar -x -C "$before/src"
  cp bench/cmd/hostloop/main.go "$before/src/bench/cmd/hostloop/"
  (
    cd "$before/src"
    export GOTOOLCHAIN=local
    unset GOEXPERIMENT
    v=$(go env GOVERSION)
    case $v in go1.26.*) ;; *) echo "bench: the before build wants the machine's Go 1.26 (GOTOOLCHAIN=local), found $v" >&2; exit 1 ;; esac
    go build -o ../dlbench ./bench/cmd/dlbench
    go build -o ../hostloop ./bench/cmd/hostloop
    go version -m ../dlbench | awk '$1=="build" || $2=="github.com/gomlx/gomlx" || $1=="go1.26"' >../version.txt
    go version ../dlbench >>../version.txt
  )
  echo "$stamp" >"$before/stamp"
fi

# after-onnx: the after binaries with ONNX Runtime given BENCH_THREADS threads. dlbench
# -check-backend creates the backend as the runs will (dlopt finds the library in
# $ONNXRUNTIME_SHARED_LIBRARY_PATH or make setup's cache, ~/.cache/dlopt/onnxruntime/VERSION/),
# so a missing library is skipped with dlopt's own reason.
onnx_config="onnx:intra_op_num_threads=$BENCH_THREADS"
onnx_skip=""
if [[ ${ONNX:-1} == 0 ]]; then
  onnx_skip="ONNX=0"
elif ! why=$(DLOPT_BACKEND=$onnx_config "$out/dlbench" -check-backend 2>&1 >/dev/null); then
  onnx_skip=$(echo "$why" | head -1)
  onnx_skip=${onnx_skip%.}
fi
if [[ -n $onnx_skip ]]; then echo "bench: after-onnx skipped: $onnx_skip" >&2; fi

# Debian's torch calls BLAS through libblas.so.3. Where that is the reference BLAS (package
# libblas3, about 4 GFLOP/s) the peer would be unfairly slow, so the peer gets OpenBLAS: the
# installed one, else one unpacked into build/bench/openblas (apt-get download; nothing is
# installed on the system). A peer left on the reference BLAS exits with an error (no row), and
# the peer picks OpenBLAS's kernels for this CPU itself (internal/torchblas/torchblas.py).
openblas_dir() {
  local installed=/usr/lib/x86_64-linux-gnu/openblas-pthread
  if [[ -e $installed/libblas.so.3 ]]; then echo "$installed"; return; fi
  local unpacked=$out/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread
  if [[ ! -e $unpacked/libblas.so.3 ]]; then
    rm -f "$out"/libopenblas0-pthread_*.deb
    if ! (cd "$out" && apt-get download libopenblas0-pthread >/dev/null 2>&1) ||
      ! dpkg-deb -x "$out"/libopenblas0-pthread_*.deb "$out/openblas"; then
      echo "bench: could not fetch OpenBLAS; the PyTorch peer uses the system BLAS" >&2
      return
    fi
  fi
  realpath "$unpacked"
}
blas=$(openblas_dir)
# An OPENBLAS_CORETYPE inherited from the environment (this machine's sets Haswell, older than its
# AVX-512) would pin the peer below its best kernel: the peer starts without it and picks the
# best core for this CPU itself (torchblas.py); PEER_OPENBLAS_CORETYPE forces one.
peer_env=(-u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS=1 TORCH_THREADS="$BENCH_THREADS")
if [[ -n ${PEER_OPENBLAS_CORETYPE:-} ]]; then peer_env+=(OPENBLAS_CORETYPE="$PEER_OPENBLAS_CORETYPE"); fi
if [[ -n $blas ]]; then peer_env+=("LD_LIBRARY_PATH=$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"); fi

# The widest SIMD the CPU has, for the report (BENCHMARKS.md: ratios differ with it).
simd_level() {
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo)
  for f in avx512f avx2 avx; do
    if [[ " $flags " == *" $f "* ]]; then echo "$f"; return; fi
  done
  echo "no AVX"
}

# tagged IMPL [WORKLOAD]: copies JSON lines from stdin to the results with "impl" set to IMPL
# (and "workload" to WORKLOAD when given).
tagged() {
  "$PYTHON" -c 'import json, sys
for line in sys.stdin:
    if line.strip():
        r = json.loads(line)
        r["impl"] = sys.argv[1]
        if len(sys.argv) > 2:
            r["workload"] = sys.argv[2]
        print(json.dumps(r))' "$@" >>"$results"
}

results=$out/results.jsonl
: >"$results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for w in $WORKLOADS; do
  echo "bench: $w" >&2
  reps=$REPS
  [[ $w == cnn ]] && reps=$CNN_REPS
  peer_w=$w
  if [[ $w == quadratic-host ]]; then
    GOMAXPROCS=$BENCH_THREADS "$before/hostloop" -reps "$reps" | tagged before
    GOMAXPROCS=$BENCH_THREADS "$out/hostloop" -reps "$reps" | tagged after
    if [[ -z $onnx_skip ]]; then
      DLOPT_BACKEND=$onnx_config GOMAXPROCS=$BENCH_THREADS "$out/hostloop" -reps "$reps" | tagged after-onnx
    fi
    peer_w=quadratic
  else
    GOMAXPROCS=$BENCH_THREADS "$before/dlbench" -workload "$w" -reps "$reps" -steps "$CNN_STEPS" | tagged before
    GOMAXPROCS=$BENCH_THREADS "$out/dlbench" -workload "$w" -reps "$reps" -steps "$CNN_STEPS" | tagged after
    if [[ -z $onnx_skip ]]; then
      DLOPT_BACKEND=$onnx_config GOMAXPROCS=$BENCH_THREADS "$out/dlbench" -workload "$w" -reps "$reps" -steps "$CNN_STEPS" | tagged after-onnx
    fi
  fi
  env "${peer_env[@]}" "$PYTHON" bench/torch_peer.py --workload "$peer_w" --reps "$reps" --steps "$CNN_STEPS" |
    tagged "pytorch-${BENCH_THREADS}t" "$w"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# `make notebooks` (the after build), timed: what a student waits for, end to end.
notebooks_line=""
if [[ ${BENCH_NOTEBOOKS:-0} == 1 ]]; then
  echo "bench: make notebooks" >&2
  start=$(date +%s.%N)
  if make notebooks >"$out/notebooks.log" 2>&1; then status=ok; else status="FAILED (see $out/notebooks.log)"; fi
  notebooks_line="- \`make notebooks\` (after build, setup included): $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.0f') s, $status"
fi

report=$out/report.md
{
  echo "# dlopt before/after the GoMLX v0.28 port, and PyTorch, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
    "$(free -g | awk '/^Mem:/{print $2}') GiB, $(simd_level);" \
    "load average $load_before before, $load_after after"
  "$PYTHON" -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "blas" in r:
        print("- peer BLAS: " + r["blas"] + ("; " + r["blas_note"] if r["blas_note"] else ""))
        print("- peer: " + r["backend"])
        break' "$results"
  echo "- before: dlbench at $BEFORE_COMMIT, $(tail -1 "$before/version.txt" | cut -d' ' -f2), GoMLX" \
    "$(awk '$2=="github.com/gomlx/gomlx"{print $3}' "$before/version.txt"), GOEXPERIMENT unset," \
    "$(grep -m1 '"impl": "before"' "$results" | sed -n 's/.*"backend": "\([^"]*\)".*/\1/p')"
  echo "- after: dlbench from the working tree ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' + uncommitted changes'))," \
    "$(go version | cut -d' ' -f3), GOEXPERIMENT=$GOEXPERIMENT, GoMLX $(go list -m -f '{{.Version}}' github.com/gomlx/gomlx)," \
    "$(grep -m1 '"impl": "after"' "$results" | sed -n 's/.*"backend": "\([^"]*\)".*/\1/p')"
  if [[ -z $onnx_skip ]]; then
    echo "- after-onnx: the after binaries with DLOPT_BACKEND=$onnx_config," \
      "$(grep -m1 '"impl": "after-onnx"' "$results" | sed -n 's/.*"backend": "\([^"]*\)".*/\1/p')"
  else
    echo "- after-onnx: skipped ($onnx_skip)"
  fi
  echo "- threads: GOMAXPROCS=$BENCH_THREADS for the dlopt builds, intra_op_num_threads=$BENCH_THREADS for ONNX Runtime," \
    "torch.set_num_threads($BENCH_THREADS) and OPENBLAS_NUM_THREADS=1 for the peer"
  echo "- command: REPS=$REPS CNN_STEPS=$CNN_STEPS CNN_REPS=$CNN_REPS BENCH_THREADS=$BENCH_THREADS${ONNX:+ ONNX=$ONNX} make bench (workloads: $WORKLOADS)"
  echo "- times: median over the repetitions (per unit), after an untimed setup (data, graphs compiled by one step); ± half the range"
  if [[ -n $notebooks_line ]]; then echo "$notebooks_line"; fi
  echo
  "$out/benchreport" "$results"
} >"$report"

# PROFILE=1: a CPU profile of the after build on each training workload and the host loop,
# the top functions in the report (go tool pprof -top).
if [[ ${PROFILE:-0} == 1 ]]; then
  for w in $WORKLOADS; do
    case $w in softmax | mlp | cnn | quadratic | quadratic-host) ;; *) continue ;; esac
    prof=$out/after-$w.prof bin=$out/dlbench
    steps=$CNN_STEPS
    [[ $w == cnn ]] && steps=$((CNN_STEPS < 100 ? CNN_STEPS : 100))
    echo "bench: profiling $w (after)" >&2
    if [[ $w == quadratic-host ]]; then
      bin=$out/hostloop
      GOMAXPROCS=$BENCH_THREADS "$bin" -reps 1 -cpuprofile "$prof" >/dev/null
    else
      GOMAXPROCS=$BENCH_THREADS "$bin" -workload "$w" -reps 1 -steps "$steps" -cpuprofile "$prof" >/dev/null
    fi
    {
      echo
      echo "## CPU profile of the after build: $w (one repetition$([[ $w == cnn ]] && echo ", $steps steps"))"
      echo
      echo '```'
      go tool pprof -top -nodecount=15 "$bin" "$prof" 2>/dev/null | sed -n '/^Duration\|^Showing nodes/p; /flat%/,$p'
      echo '```'
    } >>"$report"
  done
fi
cat "$report"
