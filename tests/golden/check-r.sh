#!/bin/sh
# tests/golden/check-r.sh - regenerate every golden file with R into a
# temporary folder and compare it with the committed one, so that a change
# in R (or in a script) shows up.  Then run the suite, which compares Cohort
# with the committed files.  Needs R (make deps-r); CI does not run this.
set -eu
cd "$(dirname "$0")/../.."
command -v Rscript >/dev/null || { echo "check-r: Rscript not found (make deps-r)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for script in tests/golden/*/make.R; do
    dir=$(dirname "$script")
    mkdir -p "$tmp/$dir"
    Rscript "$script" "$tmp/$dir"
    for f in "$tmp/$dir"/*; do
        if cmp -s "$f" "$dir/$(basename "$f")"; then
            echo "check-r: $dir/$(basename "$f"): same as R now gives"
        else
            echo "check-r: $dir/$(basename "$f"): DIFFERS from what R now gives"
            diff "$dir/$(basename "$f")" "$f" | head -20
            status=1
        fi
    done
done
# the seed study, live: its synthetic data and Cohort's results against R
make SAN=0 cli haip-data
if tests/golden/haip/verify.sh build/plain/cohort build/plain/haip-gen; then
    echo "check-r: the seed study (tests/golden/haip): Cohort agrees with R"
else
    echo "check-r: the seed study (tests/golden/haip): DIFFERS from R"
    status=1
fi
make test-plain
exit $status
