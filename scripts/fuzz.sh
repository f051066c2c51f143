#!/usr/bin/env bash
# scripts/fuzz.sh — run every Go fuzz target of powercheck for a while
# (`make fuzz`; see docs/reliability.md). `go test` runs only the seed
# corpora in each package's testdata/fuzz; this explores from them.
#
#   FUZZTIME=20s        how long each target runs (a go test -fuzztime value)
#   FUZZ_TARGETS="…"    only these targets (names, e.g. "FuzzStepBody FuzzYear")
#   FUZZ_PARALLEL=2     fuzzing workers per target
#   FUZZMINIMIZE=200x   how long a new interesting input is minimised; the
#                       HTTP targets store to a database, so Go's default
#                       (60s) would take most of a short run
#
# A failing input is written by Go to the package's testdata/fuzz/<Target>/
# (commit it: it becomes a seed that `make test` runs); the script goes on
# with the other targets and exits 1 at the end.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-20s}
PARALLEL=${FUZZ_PARALLEL:-2}
MINIMIZE=${FUZZMINIMIZE:-200x}

# package → its fuzz targets
TARGETS=(
	"./internal/httpapi FuzzStepBody FuzzItemBody FuzzCalendarYear FuzzListQuery FuzzCursor FuzzTopLevelFields"
	"./internal/calendar FuzzYear"
	"./internal/policy FuzzInput FuzzWorkdayBuiltins"
)

failed=()
for entry in "${TARGETS[@]}"; do
	read -r pkg names <<<"$entry"
	for name in $names; do
		if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $name "* ]]; then
			continue
		fi
		printf '\n==> %s %s for %s\n' "$pkg" "$name" "$FUZZTIME"
		if ! "$GO" test -run "^$name\$" -fuzz "^$name\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$MINIMIZE" -parallel "$PARALLEL" "$pkg"; then
			failed+=("$pkg $name")
		fi
	done
done
if [ ${#failed[@]} -gt 0 ]; then
	printf '\nfuzz: failed: %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: every target ran $FUZZTIME without a failure"
