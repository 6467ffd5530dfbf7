#!/usr/bin/env bash
# screenshots.sh: full-page PNGs of exported notebooks, for `make screenshots` (after
# `make notebooks`, which writes build/notebooks/*.html). Default: notebooks 05 and 06.
#
#   scripts/screenshots.sh [FILE.html...]     -> build/screenshots/<name>.png
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
cd "$(dirname "$0")/.."
shopt -s nullglob
pages=("$@")
[ "${#pages[@]}" -gt 0 ] || pages=(build/notebooks/05*.html build/notebooks/06*.html)
if [ "${#pages[@]}" = 0 ]; then
  echo "screenshots: no build/notebooks/05*.html or 06*.html: run \`make notebooks\` first" >&2
  exit 1
fi
exec go run ./tests/internal/browser/screenshot -out build/screenshots "${pages[@]}"
