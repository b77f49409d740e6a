#!/bin/sh
# tests/golden/haip/verify.sh COHORT HAIP-GEN - the seed study against R,
# live (make check-r; not CI): generate the synthetic databases into a
# temporary copy of the repository's layout, run the study with Cohort,
# rebuild its analysis table without Cohort (build_data.py: Python's
# sqlite3 and PyYAML) and recompute every checked number in R (verify.R).
set -eu
cohort=${1:-build/plain/cohort}
gen=${2:-build/plain/haip-gen}
case $cohort in /*) ;; *) cohort=$(pwd)/$cohort ;; esac
case $gen in /*) ;; *) gen=$(pwd)/$gen ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/examples/haip-recurrence" "$tmp/build"
cp "$root/examples/haip-recurrence/study.yaml" "$tmp/examples/haip-recurrence/"
"$gen" --out "$tmp/build/haip" >/dev/null
"$cohort" run "$tmp/examples/haip-recurrence/study.yaml" --out "$tmp/out" --quiet
python3 "$here/build_data.py" "$tmp/examples/haip-recurrence/study.yaml" "$tmp"
Rscript "$here/verify.R" "$tmp" "$tmp/out/results.json"
