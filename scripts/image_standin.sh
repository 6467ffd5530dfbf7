#!/usr/bin/env bash
# image_standin.sh: a local stand-in for the course image's base, golang:1.26.8-bookworm, for
# machines that cannot pull from a registry (the CI and development machines). Built from
# Debian packages (debootstrap) and this machine's Go tree at /usr/local/go, tagged with the
# official name so that `make image` builds with --pull=never. Test infrastructure only.
#
# The stand-in carries this machine's CA bundle, so that build steps can reach Debian's mirror
# and the Go module proxy through a TLS-intercepting proxy; the real image never does.
#
# Environment: IMAGE_BASE (default docker.io/library/golang:<docker/Dockerfile's GO_VERSION>-bookworm), DEBIAN_MIRROR
# (default http://deb.debian.org/debian). Needs root and debootstrap.
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/image_engine.sh
. "$here/scripts/image_engine.sh"
image_engine_pick

base=${IMAGE_BASE:-docker.io/library/golang:$(sed -n 's/^ARG GO_VERSION=//p' "$here/docker/Dockerfile")-bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
want_go=${base##*golang:}
want_go=go${want_go%%-*}
die() { echo "image_standin: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "debootstrap needs root (run as root or with sudo)"
command -v debootstrap >/dev/null || die "debootstrap not found: apt-get install debootstrap"
have_go=$(head -1 /usr/local/go/VERSION 2>/dev/null || true)
[ "$have_go" = "$want_go" ] || die "the stand-in for $base needs Go $want_go at /usr/local/go; found '${have_go:-nothing}'"

root=$(mktemp -d /var/tmp/dlopt-standin.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "image_standin: debootstrap bookworm into $root"
# What the official image has beyond minbase (buildpack-deps:bookworm-scm and the golang
# Dockerfile's gcc, libc6-dev, make, pkg-config).
debootstrap --variant=minbase \
  --include=ca-certificates,curl,wget,git,gcc,g++,libc6-dev,make,pkg-config,gnupg,netbase,procps \
  bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; die "debootstrap failed (log above)"; }
rm -f "$root.log"
cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/ca-certificates/host-ca.crt"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
cp -a /usr/local/go "$root/usr/local/go"
mkdir -p "$root/go/bin" "$root/go/src"
chmod 1777 "$root/go"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
echo "image_standin: importing as $base"
tar -C "$root" -c . | engine import \
  --change "ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV GOLANG_VERSION=${want_go#go}" --change "ENV GOTOOLCHAIN=local" --change "ENV GOPATH=/go" \
  --change "WORKDIR /go" --change 'CMD ["bash"]' - "$base" >/dev/null
echo "image_standin: $base ready ($(engine image inspect --format '{{.Size}}' "$base" | awk '{printf "%.0f MB", $1/1e6}'))"
