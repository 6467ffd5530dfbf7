#!/usr/bin/env bash
# install.sh: the one place that installs what dlopt needs beyond Go itself.
# Used by `make setup` and by docker/Dockerfile, so CI exercises the same steps the
# course image runs. Idempotent: a second run installs nothing and takes a second.
#
#   scripts/install.sh              apt packages + Go tools + GoNB kernelspec (`make setup`)
#   scripts/install.sh --no-apt     skip the Debian packages (already present, or not root)
#   scripts/install.sh --apt-only   only the Debian packages (the image's root step)
#   scripts/install.sh --image      the course image's package set: the lab and tini, without
#                                   the test-only Chromium and PyTorch
#   scripts/install.sh --xla=cpu    also download GoMLX's XLA CPU PJRT plugin (network: GitHub),
#                   --xla=cuda      or jax's CUDA plugin and NVIDIA libraries (network: PyPI)
#                   --xla=none      or no plugin (the image's offline variant: pure-Go backend only)
#   scripts/install.sh --warm       also download the module's dependencies, pre-build every
#                                   package and run one GoNB cell, so a notebook's first cell
#                                   compiles in seconds
#   scripts/install.sh --no-onnx    skip ONNX Runtime (default: its CPU library for DLOPT_BACKEND=onnx,
#                                   from the npm package onnxruntime-node, cached and SHA-256 checked)
#   scripts/install.sh --dry-run    print the plan for the other options and stop
#
# Environment: GOBIN (default $(go env GOPATH)/bin) receives gonb and goimports.
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd

here=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: install.sh [--no-apt | --apt-only] [--image] [--xla=cpu|--xla=cuda|--xla=none] [--no-onnx] [--warm] [--dry-run]"
apt=1 tools=1 image=0 xla="" warm=0 dry=0 onnx=1
for a in "$@"; do
  case "$a" in
    --no-apt) apt=0 ;;
    --apt-only) tools=0 ;;
    --image) image=1 ;;
    --xla=cpu | --xla=cuda) xla=${a#--xla=} ;;
    --xla=none) xla="" ;;
    --xla=*) echo "install.sh: unknown XLA plugin '${a#--xla=}' in $a (allowed: --xla=cpu, --xla=cuda, --xla=none)" >&2; exit 2 ;;
    --warm) warm=1 ;;
    --no-onnx) onnx=0 ;;
    --dry-run) dry=1 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "install.sh: unknown option $a ($usage)" >&2; exit 2 ;;
  esac
done
if [ "$apt" = 0 ] && [ "$tools" = 0 ]; then
  echo "install.sh: --no-apt and --apt-only together leave nothing to do" >&2; exit 2
fi
if [ "$tools" = 0 ] && { [ -n "$xla" ] || [ "$warm" = 1 ]; }; then
  echo "install.sh: --apt-only cannot be combined with --xla or --warm (they need the Go tools step)" >&2; exit 2
fi

# Debian packages. The lab: Jupyter with nbconvert and the dataset. Development and tests add
# PyTorch (test oracle and benchmark peer) with OpenBLAS (libopenblas0-pthread: only recommended
# by python3-torch, and without it torch runs on the reference BLAS, 20x slower) and Chromium
# (browser test, screenshots); the image
# adds tini, an init that reaps the processes the kernels leave and forwards Ctrl-C.
packages=(jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel dataset-fashion-mnist)
if [ "$image" = 1 ]; then
  onnx=0 # the course image runs the Go backend; ONNX Runtime is a development and CI backend
  packages+=(tini)
else
  packages+=(python3-torch python3-numpy libopenblas0-pthread chromium)
fi

# ONNX Runtime for DLOPT_BACKEND=onnx (dlopt.ONNXRuntimeVersion; the library's SHA-256 is in
# scripts/onnxruntime-VERSION.sha256). Its only Linux download besides GitHub is the npm package
# onnxruntime-node, fetched with npm (from Debian where missing; `npm pack` runs no scripts).
onnx_version=1.30.0
onnx_dir="${XDG_CACHE_HOME:-$HOME/.cache}/dlopt/onnxruntime/$onnx_version"
[ "$tools" = 1 ] || onnx=0
if [ "$onnx" = 1 ] && [ "$apt" = 1 ] && ! command -v npm >/dev/null && ! [ -f "$onnx_dir/libonnxruntime.so.1" ]; then
  packages+=(npm)
fi

if [ "$dry" = 1 ]; then
  steps=()
  [ "$apt" = 1 ] && steps+=("apt: ${packages[*]}")
  [ "$tools" = 1 ] && steps+=("go tools: gonb goimports" "GoNB kernelspec")
  [ -n "$xla" ] && steps+=("XLA PJRT plugin: $xla")
  [ "$onnx" = 1 ] && [ "$tools" = 1 ] && steps+=("ONNX Runtime $onnx_version CPU library (npm package onnxruntime-node) -> $onnx_dir")
  [ "$warm" = 1 ] && steps+=("warm: go mod download, go build ./..., test binaries, one GoNB cell")
  printf 'install.sh: would run: %s\n' "${steps[@]}"
  exit 0
fi

if [ "$apt" = 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "install.sh: apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
[ "$tools" = 1 ] || { echo "install.sh: ok (Debian packages only)"; exit 0; }

# The go command of GOTOOLCHAIN (above): the first call fetches it from the module proxy, once
# per machine (in the image: in the Dockerfile's `RUN go version` layer).
echo "install.sh: $(go version), GOEXPERIMENT=$(go env GOEXPERIMENT)"

# Go tools pinned in tools/go.mod (gonb cannot be installed with `go install pkg@version`).
gobin=${GOBIN:-$(go env GOPATH)/bin}
mkdir -p "$gobin"
if [ ! -x "$gobin/gonb" ] || [ ! -x "$gobin/goimports" ] || [ "$here/tools/go.mod" -nt "$gobin/gonb" ]; then
  echo "install.sh: go install tool (gonb, goimports) -> $gobin"
  (cd "$here/tools" && GOBIN="$gobin" go install tool)
  touch "$gobin/gonb"
fi

# GoNB kernelspec for the current user; --raw_error keeps errors readable in CI logs.
# gopls is left out (its pinned release needs another x/tools than goimports): GoNB runs
# without it and only loses auto-completion, hence --force_deps.
kernel_dir="${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/gonb"
if [ ! -f "$kernel_dir/kernel.json" ] || ! grep -q "$gobin/gonb" "$kernel_dir/kernel.json"; then
  echo "install.sh: installing the GoNB kernelspec"
  PATH="$gobin:$PATH" "$gobin/gonb" --install --raw_error --force_deps --logtostderr >/dev/null
fi
# GoNB compiles every cell with `go`: its kernelspec carries GOTOOLCHAIN and GOEXPERIMENT (Jupyter
# adds a kernelspec's "env" to the kernel's environment), so that a Jupyter started without
# them (not through make or scripts/lab.sh) still builds cells with Go 1.27 and the SIMD kernels.
# `gonb --install` writes an empty env: set after it, and checked on every run.
/usr/bin/python3 - "$kernel_dir/kernel.json" <<'EOF'
import json, os, sys
path = sys.argv[1]
spec = json.load(open(path))
env = dict(spec.get("env") or {})
want = {k: os.environ[k] for k in ("GOTOOLCHAIN", "GOEXPERIMENT")}
if env | want != env:
    spec["env"] = env | want
    with open(path, "w") as f:
        json.dump(spec, f)
    print("install.sh: GoNB kernelspec env", spec["env"])
EOF

# XLA PJRT plugins, into ~/.local/lib/go-xla where GoMLX looks, through go-xla's installer
# (docker/xlainstall): `dlopt backends --install` would skip CUDA where no GPU is visible, as
# during `docker build`, and this needs only go.mod, so the image can cache the download.
if [ -n "$xla" ]; then
  if ! (cd "$here" && go run ./docker/xlainstall -plugin="$xla"); then
    from="GitHub, https://github.com/gomlx/pjrt-cpu-binaries/releases"
    [ "$xla" = cuda ] && from="PyPI, https://pypi.org/pypi/jax-cuda13-pjrt/json, jax-cuda13-plugin and NVIDIA's packages"
    echo "install.sh: downloading the XLA $xla plugin failed (it comes from $from): check the network," \
      "or do without it: --xla=none (the course image: make image XLA=none, or docker build --build-arg XLA=none)" >&2
    exit 1
  fi
fi

# ONNX Runtime: extract package/bin/napi-v6/linux/x64/libonnxruntime.so.1 from the npm tarball
# into the cache, check its SHA-256 against the one recorded here, and check it again on every run.
if [ "$onnx" = 1 ]; then
  sum_file="$here/scripts/onnxruntime-$onnx_version.sha256"
  want=$(cut -d' ' -f1 "$sum_file")
  lib="$onnx_dir/libonnxruntime.so.1"
  if [ "$(uname -sm)" != "Linux x86_64" ]; then
    echo "install.sh: ONNX Runtime skipped: dlopt provides its library for Linux x86_64 only (this is $(uname -sm));" \
      "use DLOPT_BACKEND=onnx:/abs/path/to/the/library"
  else
    if ! [ -f "$lib" ] || [ "$(sha256sum "$lib" | cut -d' ' -f1)" != "$want" ]; then
      command -v npm >/dev/null || { echo "install.sh: ONNX Runtime needs npm (apt-get install npm), or run with --no-onnx" >&2; exit 1; }
      echo "install.sh: ONNX Runtime $onnx_version: npm pack onnxruntime-node@$onnx_version (113 MB, once) -> $onnx_dir"
      tmp=$(mktemp -d)
      (cd "$tmp" && npm pack --silent "onnxruntime-node@$onnx_version" >/dev/null) ||
        { rm -rf "$tmp"; echo "install.sh: npm pack onnxruntime-node@$onnx_version failed (npm registry); or run with --no-onnx" >&2; exit 1; }
      tar -xzf "$tmp/onnxruntime-node-$onnx_version.tgz" -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
      got=$(sha256sum "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" | cut -d' ' -f1)
      if [ "$got" != "$want" ]; then
        rm -rf "$tmp"
        echo "install.sh: libonnxruntime.so.1 from onnxruntime-node@$onnx_version has SHA-256 $got, $sum_file says $want: refused" >&2
        exit 1
      fi
      mkdir -p "$onnx_dir"
      mv "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$lib.tmp" && mv "$lib.tmp" "$lib"
      rm -rf "$tmp"
    fi
    echo "install.sh: ONNX Runtime $onnx_version at $lib (SHA-256 ${want:0:16}... verified): DLOPT_BACKEND=onnx"
  fi
fi

# Warm the caches: the module's dependencies, every package and test binary, then one GoNB
# cell through Jupyter, which compiles exactly as a notebook does and proves the kernel works.
if [ "$warm" = 1 ]; then
  echo "install.sh: downloading modules and pre-building dlopt"
  (cd "$here" && go mod download && go build ./... && go test -count=1 -run '^$' ./... >/dev/null)
  smoke=$(mktemp -d)
  trap 'rm -rf "$smoke"' EXIT
  backend=go
  [ "$xla" = cpu ] && backend=xla:cpu # the one plugin that runs without a GPU
  cat >"$smoke/smoke.ipynb" <<EOF
{"nbformat": 4, "nbformat_minor": 5,
 "metadata": {"kernelspec": {"name": "gonb", "display_name": "Go (gonb)", "language": "go"}},
 "cells": [
  {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
   "source": "!*go mod edit -require=github.com/dlopt/course@v0.0.0 -replace=github.com/dlopt/course=$here && cat $here/go.sum >> go.sum"},
  {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
   "source": "import \"github.com/dlopt/course/dlopt\"\n%%\nfmt.Println(\"smoke:\", dlopt.MustBackend().Name())"}
 ]}
EOF
  echo "install.sh: running one GoNB cell (backend $backend)"
  PATH="$gobin:$PATH" DLOPT_BACKEND=$backend "${JUPYTER:-/usr/bin/jupyter}" nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=gonb --ExecutePreprocessor.timeout=900 \
    --output-dir "$smoke" --output out.ipynb "$smoke/smoke.ipynb" 2>"$smoke/log" ||
    { cat "$smoke/log" >&2; exit 1; }
  # A panic in a cell does not fail nbconvert: the printed line is the proof.
  /usr/bin/python3 - "$smoke/out.ipynb" <<'EOF' ||
import json, sys
nb = json.load(open(sys.argv[1]))
text = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
print("install.sh: GoNB cell says:", text.strip())
sys.exit(0 if text.startswith("smoke: ") else 1)
EOF
    { echo "install.sh: the GoNB smoke cell did not print its result" >&2; exit 1; }
fi
echo "install.sh: ok (gonb $("$gobin/gonb" --version 2>/dev/null | head -1 || true))"
