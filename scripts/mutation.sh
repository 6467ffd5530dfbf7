#!/usr/bin/env bash
# Mutation testing of one Go package with gremlins (pinned in tools/mutation/go.mod): each
# mutant (an operator flipped, a comparison bent) is applied in a copy of the module and the
# package's tests run against it; a mutant the tests do not notice has "LIVED".
#
#   scripts/mutation.sh ./dlopt/optim
#
# Environment (all optional):
#   MUTATION_BUDGET   wall-clock budget (timeout(1) syntax, default 30m); when it runs out no new
#                     mutant starts, the running ones finish and the partial report is printed
#   MUTATION_WORKERS  parallel mutants (default 1: the CI machines have 2 cores)
#   MUTATION_FILES    only these files of the package (space-separated base names)
#   MUTATION_SKIP     tests to skip (go test -skip regexp), e.g. a test known to fail
#   MUTATION_COEFF    per-mutant timeout as a multiple of the clean test run (default 3)
# Only the package itself is mutated, not the packages in its subfolders. Writes the log to
# build/mutation/<package>.log and, when gremlins finishes within the budget, its machine
# readable result beside it (<package>.json); the figures printed here come from the log, so
# they also cover a run the budget cut short.
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
pkg=${1:?usage: scripts/mutation.sh ./path/to/package}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(cd "$root/$pkg" && pwd)
name=$(echo "${dir#"$root"/}" | tr / _)
out="$root/build/mutation"
mkdir -p "$out" "$root/build/tools"
(cd "$root/tools/mutation" && GOBIN="$root/build/tools" go install tool)

excludes=(-E '/') # files in subfolders belong to other packages
if [ -n "${MUTATION_FILES:-}" ]; then
	for f in "$dir"/*.go; do
		base=$(basename "$f")
		case "$base" in *_test.go) continue ;; esac
		if ! [[ " $MUTATION_FILES " == *" $base "* ]]; then
			excludes+=(-E "^${base//./\\.}\$")
		fi
	done
fi
# -count=1: gremlins times the clean run to set each mutant's timeout; a cached result would
# make that a second and time out every mutant.
export GOFLAGS="${GOFLAGS:-} -count=1"
if [ -n "${MUTATION_SKIP:-}" ]; then
	GOFLAGS="$GOFLAGS -skip=$MUTATION_SKIP"
fi

echo "mutation: $pkg, budget ${MUTATION_BUDGET:-30m}, ${MUTATION_WORKERS:-1} worker(s), files: ${MUTATION_FILES:-all}"
set +e
timeout -s INT "${MUTATION_BUDGET:-30m}" "$root/build/tools/gremlins" unleash \
	--workers "${MUTATION_WORKERS:-1}" --timeout-coefficient "${MUTATION_COEFF:-3}" \
	-o "$out/$name.json" "${excludes[@]}" "$dir" 2>&1 | tee "$out/$name.log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" = 124 ]; then
	echo "mutation: budget ${MUTATION_BUDGET:-30m} ran out: the figures cover the mutants finished so far"
fi
# The surviving mutants and the kill rate (killed over killed plus lived; timed-out mutants
# count as neither, as gremlins' own "test efficacy").
killed=$(grep -c '^ *KILLED ' "$out/$name.log" || true)
lived=$(grep -c '^ *LIVED ' "$out/$name.log" || true)
timedout=$(grep -c '^ *TIMED OUT ' "$out/$name.log" || true)
echo "surviving mutants:"
grep '^ *LIVED ' "$out/$name.log" | sed 's/^ */  /' || echo "  none"
if [ $((killed + lived)) -gt 0 ]; then
	echo "kill rate: $killed of $((killed + lived)) = $(awk -v k="$killed" -v l="$lived" 'BEGIN{printf "%.1f%%", 100*k/(k+l)}') ($timedout timed out)"
fi
