#!/bin/sh
# examples/demo.sh COHORT [HAIP-GEN] - the main job (`make demo`): the seed
# study (../shared/seed, Buisman et al. 2020) end to end on its synthetic
# two-centre databases.  Generates build/haip/{mskcc,erasmus}.sqlite when
# they are missing (examples/haip-recurrence/gen.c), runs
# examples/haip-recurrence/study.yaml into out/haip-recurrence, and prints
# the published-vs-reproduced summary and where the report is.  Exits
# non-zero on failure.
set -eu
cohort=${1:-build/plain/cohort}
case $cohort in /*) ;; *) cohort=$(pwd)/$cohort ;; esac
gen=${2:-$(dirname "$cohort")/haip-gen}
case $gen in /*) ;; *) gen=$(pwd)/$gen ;; esac
cd "$(dirname "$0")/.."
if [ ! -f build/haip/mskcc.sqlite ] || [ ! -f build/haip/erasmus.sqlite ]; then
    echo "== generating the synthetic centre databases (build/haip)"
    "$gen" --out build/haip
fi
echo "== cohort run examples/haip-recurrence/study.yaml: the seed study, synthetic data"
"$cohort" run examples/haip-recurrence/study.yaml --out out/haip-recurrence
