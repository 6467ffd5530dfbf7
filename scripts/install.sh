#!/usr/bin/env bash
# install.sh: the one place that installs what dlopt needs beyond Go itself.
# Used by `make setup` and by docker/Dockerfile, so CI exercises the same steps the
# course image runs. Idempotent: a second run installs nothing and takes a second.
#
#   scripts/install.sh            apt packages + Go tools + GoNB kernelspec
#   scripts/install.sh --no-apt   skip the Debian packages (already present, or not root)
#
# Environment: GOBIN (default $(go env GOPATH)/bin) receives gonb and goimports.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
apt=1
for a in "$@"; do
  case "$a" in
    --no-apt) apt=0 ;;
    *) echo "install.sh: unknown option $a (allowed: --no-apt)" >&2; exit 2 ;;
  esac
done

# Debian packages: Jupyter with nbconvert, the dataset, PyTorch (test oracle and benchmark
# peer) and Chromium (browser test, screenshots).
packages=(
  jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel
  dataset-fashion-mnist python3-torch python3-numpy
  chromium
)
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
echo "install.sh: ok (gonb $("$gobin/gonb" --version 2>/dev/null | head -1 || true))"
