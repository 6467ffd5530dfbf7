#!/usr/bin/env bash
# Builds here what bench/gpu/run.sh runs on the device machine, into build/gpu (carried there;
# the device tool carries 64 MiB at most, so binaries travel stripped and xz-compressed):
#
#   build/gpu/bin.tar.xz  mlpstep, dlopt, dpcheck, and the test binaries (go test -c) of the packages
#                         `make test-backend` tests, with tests/packages.txt ("name ./pkg/dir")
#   build/gpu/data/       Fashion-MNIST's four IDX .gz files, for dlopt train and the data tests
#
# CGO on, linux/amd64: the binaries load the PJRT plugin and need only glibc <= 2.34.
# Environment: PACKAGES (the test packages), XZ_LEVEL (default -9e: ~20 MB; selftest uses -0),
# DEST (default build/gpu), DLOPT_DATA (where the dataset is read, as dlopt/data does).
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
cd "$(dirname "$0")/../.."
dest=${DEST:-build/gpu}
xz_level=${XZ_LEVEL:--9e}
# Most telling first (run.sh runs them in this order until its budget is spent).
packages=${PACKAGES:-"./dlopt ./dlopt/models ./dlopt/experiment ./dlopt/data ./cmd/dlopt ./dlopt/optim ./dlopt/optim/schedule ./dlopt/viz ./bench/internal/workload ./bench/cmd/mlpstep ./internal/backendtest"}
data=${DLOPT_DATA:-/usr/share/datasets/fashion-mnist}
limit_mib=60 # leaves room under the device tool's 64 MiB for the rest of the carried tree

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/tests"
export CGO_ENABLED=1 GOOS=linux GOARCH=amd64
flags=(-ldflags=-s\ -w) # no -trimpath: it would rebuild every dependency
go build "${flags[@]}" -o "$stage/mlpstep" ./bench/cmd/mlpstep
go build "${flags[@]}" -o "$stage/dlopt" ./cmd/dlopt
go build "${flags[@]}" -o "$stage/dpcheck" ./bench/cmd/dpcheck
for pkg in $packages; do
  name=$(go list "$pkg" | sed 's|^github.com/dlopt/course/||; s|/|_|g')
  go test -c "${flags[@]}" -o "$stage/tests/$name.test" "$pkg"
  echo "$name $pkg" >>"$stage/tests/packages.txt"
done

rm -rf "$dest"
mkdir -p "$dest/data"
# One xz stream, one thread: the binaries share most of their code, which a single stream
# with xz's large dictionary stores once (two test binaries: 6.0 MB instead of 9.2 MB).
tar -C "$stage" -cf - . | xz "$xz_level" -T1 >"$dest/bin.tar.xz"
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  cp "$data/$f" "$dest/data/$f"
done
size=$(du -sm "$dest" | cut -f1)
echo "pack: $dest holds $size MiB ($(wc -l <"$stage/tests/packages.txt") test binaries, $(du -sh "$dest/bin.tar.xz" | cut -f1) of binaries)"
if ((size > limit_mib)); then
  echo "pack: $dest is over $limit_mib MiB: the device tool would not carry it" >&2
  exit 1
fi
