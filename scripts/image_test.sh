#!/usr/bin/env bash
# image_test.sh: builds the course image and checks it end to end (`make image-test`, run by
# .ci/run after `make test`). Needs root on a Debian machine (as CI): it installs podman, runc
# and debootstrap if missing, and builds a local stand-in for the base image when there is no
# registry to pull golang:1.26.8-bookworm from.
#
# Steps: the stand-in base (scripts/image_standin.sh, skipped if the base is there), the image
# with XLA=none and --pull=never, timed twice (first build, then again with every layer
# cached), then tests/cmd/imagetest: every notebook offline inside the image, the lab driven
# in Chromium on a mounted folder, save, stop and restart. Figures: build/image/report.md.
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
die() { echo "image_test: $*" >&2; exit 1; }
start=$(date +%s)

missing=()
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}: install them (sudo apt-get install ${missing[*]}) or run as root"
  echo "image_test: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "$(id -u)" = 0 ] || die "run as root: the stand-in base needs debootstrap, and the mounted folder a second owner"

# shellcheck source=scripts/image_engine.sh
. scripts/image_engine.sh
image_engine_pick
if [ "$IMAGE_ENGINE" = podman ]; then
  export IMAGE_ENGINE_CMD="podman ${IMAGE_PODMAN_FLAGS[*]}"
else
  export IMAGE_ENGINE_CMD=docker
fi

figures=()
base=docker.io/library/golang:$(sed -n 's/^ARG GO_VERSION=//p' docker/Dockerfile)-bookworm
if engine image inspect "$base" >/dev/null 2>&1; then
  echo "image_test: base $base is here"
else
  t=$(date +%s)
  bash scripts/image_standin.sh
  figures+=("| stand-in base image (debootstrap + Go tree) | $(($(date +%s) - t)) s |")
fi

tag=${IMAGE_TAG:-dlopt-course:latest}
cache="empty layer cache"
engine image inspect "$tag" >/dev/null 2>&1 && cache="layers cached from an earlier build"
t=$(date +%s)
XLA=none IMAGE_PULL=never IMAGE_TAG=$tag bash scripts/image.sh
figures+=("| image build, XLA=none, first ($cache) | $(($(date +%s) - t)) s |")
t=$(date +%s)
XLA=none IMAGE_PULL=never IMAGE_TAG=$tag bash scripts/image.sh >/dev/null
figures+=("| image build again, every layer cached | $(($(date +%s) - t)) s |")

joined=$(printf '%s;' "${figures[@]}")
go run ./tests/cmd/imagetest -image "$tag" -out build/image -figures "$joined"
total=$(($(date +%s) - start))
echo "| make image-test in all (base, both builds, every check) | $total s |" >>build/image/report.md
echo "image_test: ok in $total s (build/image/report.md)"
