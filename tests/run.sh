#!/bin/sh
# tests/run.sh BUILD_DIR - run every unit test binary and every CLI case
# against the build in BUILD_DIR; print one closing line
# "N passed, N failed" (checks) and exit non-zero on any failure.
set -u
build=${1:-build/plain}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    if "$t" >"$log" 2>&1; then rc=0; else rc=$?; fi
    line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        cat "$log"
        echo "$t: crashed or printed no summary (exit $rc)"
        failed=$((failed + 1))
        continue
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    [ "$f" -eq 0 ] || cat "$log"
    echo "$line"
    passed=$((passed + p))
    failed=$((failed + f))
done

# End-to-end CLI cases (tests/cli/*.test), run by tests/cli/run.sh.
if out=$(tests/cli/run.sh "$build/cohort" 2>&1); then :; fi
echo "$out" | grep -v '^cli: [0-9]* passed' || true
line=$(echo "$out" | grep -E '^cli: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
if [ -n "$line" ]; then
    echo "$line"
    passed=$((passed + $(echo "$line" | sed -E 's/cli: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.*, ([0-9]+) failed/\1/')))
else
    echo "cli: runner printed no summary"
    failed=$((failed + 1))
fi

# Every example runs, so that the documentation cannot go stale.
if examples/demo.sh "$build/cohort" >/dev/null 2>"$log"; then
    echo "examples: 1 passed, 0 failed"
    passed=$((passed + 1))
else
    cat "$log"
    echo "examples: 0 passed, 1 failed"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
