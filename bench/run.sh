#!/usr/bin/env bash
# `make bench`: dlopt (bench/cmd/dlbench) against PyTorch (bench/torch_peer.py), workload by
# workload, back to back on the same machine. Writes build/bench/results.jsonl (one JSON line per
# run) and build/bench/report.md (machine, versions, the ratio table), and prints the report.
#
# Environment: REPS (timed repetitions per run, default 3), CNN_STEPS (steps per CNN repetition,
# default 30), WORKLOADS (default all), TORCH_THREADS_LIST (PyTorch thread counts to run, default
# "2 1"), PROFILE=1 (also profile one MLP epoch and report the share of time in DotGeneral).
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=${REPS:-3}
CNN_STEPS=${CNN_STEPS:-30}
WORKLOADS=${WORKLOADS:-"softmax mlp cnn adam-1m adam-10m sgdm-1m sgdm-10m quadratic matmul"}
TORCH_THREADS_LIST=${TORCH_THREADS_LIST:-"2 1"}
PYTHON=${PYTHON:-/usr/bin/python3}
out=build/bench
mkdir -p "$out"
go build -o "$out/dlbench" ./bench/cmd/dlbench
go build -o "$out/benchreport" ./bench/cmd/benchreport

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
peer_env=(OPENBLAS_NUM_THREADS=1)
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

results=$out/results.jsonl
: >"$results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for w in $WORKLOADS; do
  echo "bench: $w" >&2
  "$out/dlbench" -workload "$w" -reps "$REPS" -steps "$CNN_STEPS" >>"$results"
  for threads in $TORCH_THREADS_LIST; do
    env "${peer_env[@]}" TORCH_THREADS="$threads" "$PYTHON" bench/torch_peer.py \
      --workload "$w" --reps "$REPS" --steps "$CNN_STEPS" >>"$results"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

report=$out/report.md
{
  echo "# dlopt vs PyTorch, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
    "$(free -g | awk '/^Mem:/{print $2}') GiB, $(simd_level);" \
    "load average $load_before before, $load_after after"
  # The peer's BLAS and OpenBLAS kernel (torch_peer.py exits on the reference BLAS).
  "$PYTHON" -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "blas" in r:
        print("- peer BLAS: " + r["blas"] + ("; " + r["blas_note"] if r["blas_note"] else ""))
        break' "$results"
  echo "- dlopt: $(go version | cut -d' ' -f3), GoMLX $(go list -m -f '{{.Version}}' github.com/gomlx/gomlx)," \
    "$(head -1 "$results" | sed -n 's/.*"backend":"\([^"]*\)".*/\1/p')"
  for threads in $TORCH_THREADS_LIST; do
    echo "- pytorch-${threads}t: $(grep -m1 "\"pytorch-${threads}t\"" "$results" | sed -n 's/.*"backend": "\([^"]*\)".*/\1/p')"
  done
  echo "- command: REPS=$REPS CNN_STEPS=$CNN_STEPS make bench (workloads: $WORKLOADS)"
  echo "- times: median over $REPS repetitions (per unit), after an untimed setup (data, graphs compiled by one step); spread = ±half the range"
  echo
  "$out/benchreport" "$results"
} >"$report"

if [[ ${PROFILE:-0} == 1 ]]; then
  "$out/dlbench" -workload mlp -reps 1 -cpuprofile "$out/mlp.prof" >/dev/null
  {
    echo
    echo "## Profile of one MLP epoch (dlopt)"
    echo
    echo '```'
    go tool pprof -top -focus='DotGeneral|dotGeneral|dgCopy' "$out/dlbench" "$out/mlp.prof" 2>/dev/null |
      grep -m1 'Showing nodes accounting' | sed 's/^/DotGeneral (kernel and block copies): /'
    go tool pprof -top -nodecount=12 "$out/dlbench" "$out/mlp.prof" 2>/dev/null | sed -n '/flat%/,$p'
    echo '```'
  } >>"$report"
fi
cat "$report"
