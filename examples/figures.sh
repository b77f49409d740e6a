#!/bin/sh
# examples/figures.sh COHORT - the example figures shown in the README,
# drawn from the bundled lung data and the seed study's published flow
# counts, into docs/img/.  Run by `make figures`; the PNGs are committed
# so that a reader of the README sees what Cohort draws.
set -eu
cohort=${1:-build/plain/cohort}
case $cohort in /*) ;; *) cohort=$(pwd)/$cohort ;; esac
cd "$(dirname "$0")/.."
out=docs/img
mkdir -p "$out"
"$cohort" plot km examples/lung/lung.csv --time time --event status --group sex \
    --unit days --ci --title "NCCTG lung cancer: survival by sex" \
    --x-title "Days since enrolment" --legend-title Sex --dpi 150 --out "$out/km.png"
"$cohort" plot forest examples/lung/lung.csv --time time --event status \
    --terms age,sex,ph.ecog,wt.loss --categorical ph.ecog --per age=10 \
    --title "Cox model of survival (NCCTG lung cancer)" --dpi 150 --out "$out/forest.png"
"$cohort" plot flow tests/data/plot/flow/haip.csv \
    --title "Cohort selection in the seed study (the last five exclusion counts are illustrative)" --dpi 150 \
    --out "$out/flow.png"
rm -f "$out"/*.csv
echo "figures: $out/km.png $out/forest.png $out/flow.png"
