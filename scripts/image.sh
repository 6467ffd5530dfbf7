#!/usr/bin/env bash
# image.sh: builds the course image (docker/Dockerfile) as dlopt-course:latest with whichever
# engine runs here: Docker if its daemon answers, else Podman (`make image`).
#
# Environment, all optional:
#   XLA            PJRT plugin: cpu (default), cuda, or none (no plugin: no download from GitHub/PyPI)
#   IMAGE_TAG      image name (default dlopt-course:latest)
#   IMAGE_ENGINE   docker or podman (default: the one that answers, docker first)
#   IMAGE_PULL     never: use only a local base image (podman's --pull=never; the image test)
# Extra arguments go to `docker build` / `podman build`, e.g. --no-cache.
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/image_engine.sh
. "$here/scripts/image_engine.sh"

xla=${XLA:-cpu}
tag=${IMAGE_TAG:-dlopt-course:latest}
die() { echo "image: $*" >&2; exit 1; }
case "$xla" in
  cpu | cuda | none) ;;
  *) die "XLA=$xla is not a plugin variant (allowed: cpu, cuda, none)" ;;
esac
case "${IMAGE_PULL:-}" in
  "" | never) ;;
  *) die "IMAGE_PULL=$IMAGE_PULL: allowed is never, or unset" ;;
esac
image_engine_pick || exit 1

# The base image, as the Dockerfile names it.
go_version=$(sed -n 's/^ARG GO_VERSION=//p' "$here/docker/Dockerfile")
base=golang:${go_version}-bookworm
have_base=1
engine image inspect "$base" >/dev/null 2>&1 || engine image inspect "docker.io/library/$base" >/dev/null 2>&1 || have_base=0
base_help="the base image $base is not on this machine: fetch it where a registry is reachable (\`$IMAGE_ENGINE pull docker.io/library/$base\`), or, on a machine without one, build the local stand-in as root: bash scripts/image_standin.sh"
args=(build -f "$here/docker/Dockerfile" --build-arg "XLA=$xla" -t "$tag")
if [ "$IMAGE_ENGINE" = podman ]; then
  # Podman 4.3 does not read <Dockerfile>.dockerignore by itself (BuildKit does).
  args+=(--ignorefile "$here/docker/Dockerfile.dockerignore")
  [ "${IMAGE_PULL:-}" = never ] && args+=(--pull=never)
fi
if [ "${IMAGE_PULL:-}" = never ] && [ "$have_base" = 0 ]; then
  die "$base_help"
fi

echo "image: $IMAGE_ENGINE ${args[*]} $* $here"
start=$(date +%s)
if ! engine "${args[@]}" "$@" "$here"; then
  if ! engine image inspect "$base" >/dev/null 2>&1 && ! engine image inspect "docker.io/library/$base" >/dev/null 2>&1; then
    echo "image: $base_help" >&2
  fi
  [ "$xla" = none ] || echo "image: if the XLA $xla plugin download failed (see above), build without it: make image XLA=none" >&2
  die "build failed"
fi
size=$(engine image inspect --format '{{.Size}}' "$tag")
echo "image: built $tag (XLA=$xla) in $(($(date +%s) - start)) s, $((size / 1000000)) MB"
echo "image: run it: $IMAGE_ENGINE run --rm -it -p 8888:8888 -v \"\$PWD/notebooks:/home/student/dlopt/notebooks\" $tag"
