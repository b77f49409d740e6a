#!/usr/bin/env bash
# bench/run_demo.sh COHORT [RUNS] - how long `make demo` takes after the
# build (issue 8 asks for under 10 s on this 2-core machine): the
# generator writing both synthetic databases, `cohort run` of the seed
# study, and examples/demo.sh from nothing (no databases, no report).
# Each is run RUNS times (default 5); the median and the range are
# printed and written to bench/results/demo-DATE.md.  Wall-clock seconds.
set -eu
cohort=${1:-build/plain/cohort}
runs=${2:-5}
case $cohort in /*) ;; *) cohort=$(pwd)/$cohort ;; esac
gen=$(dirname "$cohort")/haip-gen
cd "$(dirname "$0")/.."
[ -x "$cohort" ] && [ -x "$gen" ] || { echo "run_demo: build first (make, make haip-data)" >&2; exit 1; }
tmp=$(mktemp -d)
# the user's databases and report are moved aside while the demo runs
# from nothing: put back whatever is there on any exit
restore() {
    if [ -d "$tmp/keep/haip" ]; then rm -rf build/haip && mv "$tmp/keep/haip" build/haip; fi
    if [ -d "$tmp/keep/report" ]; then rm -rf out/haip-recurrence && mv "$tmp/keep/report" out/haip-recurrence; fi
    rm -rf "$tmp"
}
trap restore EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
# median_range T...: "median (min-max)" of the times, three decimals
median_range() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f (%.3f-%.3f)", m, v[1], v[NR] }'
}
time_it() { # time_it CMD...: seconds
    local t0 t1
    t0=$(now)
    "$@" >/dev/null 2>&1
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

gen_t=() run_t=() demo_t=()
for ((i = 0; i < runs; i++)); do
    gen_t+=("$(time_it "$gen" --out "$tmp/gen")")
    run_t+=("$(time_it "$cohort" run examples/haip-recurrence/study.yaml --out "$tmp/out$i" --quiet)")
    # the demo from nothing: move the databases and the report away
    rm -rf "$tmp/keep" && mkdir -p "$tmp/keep"
    [ -d build/haip ] && mv build/haip "$tmp/keep/haip"
    [ -d out/haip-recurrence ] && mv out/haip-recurrence "$tmp/keep/report"
    demo_t+=("$(time_it examples/demo.sh "$cohort" "$gen")")
    if [ -d "$tmp/keep/haip" ]; then rm -rf build/haip && mv "$tmp/keep/haip" build/haip; fi
    if [ -d "$tmp/keep/report" ]; then rm -rf out/haip-recurrence && mv "$tmp/keep/report" out/haip-recurrence; fi
done
[ -d build/haip ] || "$gen" --out build/haip >/dev/null

day=$(date +%Y-%m-%d)
report=bench/results/demo-$day.md
{
    echo "# make demo after the build, $day ($runs runs, wall-clock seconds, median (min-max))"
    echo
    echo "| step | seconds |"
    echo "| --- | --- |"
    echo "| haip-gen: both synthetic databases (4401 patients) | $(median_range "${gen_t[@]}") |"
    echo "| cohort run examples/haip-recurrence/study.yaml | $(median_range "${run_t[@]}") |"
    echo "| examples/demo.sh from nothing (generate + run + summary) | $(median_range "${demo_t[@]}") |"
    echo
    echo "Machine: $(nproc) cores, $(uname -sr)."
} | tee "$report"
