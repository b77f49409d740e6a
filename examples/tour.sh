#!/bin/sh
# examples/tour.sh COHORT - a tour of the commands on the bundled
# examples (`make tour`): the lung data summarised, a baseline table by
# sex, survival by sex, a Cox model with selection, figures, and R's colon
# trial as a whole study.  The main job is examples/demo.sh (`make demo`).
# Exits non-zero on failure.
set -eu
cohort=${1:-build/plain/cohort}
case $cohort in /*) ;; *) cohort=$(pwd)/$cohort ;; esac
cd "$(dirname "$0")/.."
echo "== cohort describe examples/lung/lung.csv"
"$cohort" describe examples/lung/lung.csv
echo
echo "== cohort table examples/lung/lung.csv --by sex: baseline characteristics"
"$cohort" table examples/lung/lung.csv --by sex --vars age,ph.ecog,ph.karno,wt.loss \
    --label "ph.ecog=ECOG performance status" --overall --smd
echo
echo "== cohort km examples/lung/lung.csv --time time --event status --group sex --at 365 --followup --unit days"
"$cohort" km examples/lung/lung.csv --time time --event status --group sex --at 365 \
    --followup --unit days
echo
echo "== cohort cox examples/lung/lung.csv: univariable, then backward elimination at p > 0.20"
"$cohort" cox examples/lung/lung.csv --time time --event status \
    --terms age,sex,ph.ecog,ph.karno,wt.loss --categorical ph.ecog --per age=10 \
    --univariable --entry-screen 0.2 --select backward --stay 0.2 --zph km
echo
echo "== cohort plot km / forest: figures of the same analyses"
mkdir -p out/demo
"$cohort" plot km examples/lung/lung.csv --time time --event status --group sex \
    --unit days --ci --legend-title Sex --out out/demo/lung_km.png --out out/demo/lung_km.pdf
"$cohort" plot forest examples/lung/lung.csv --time time --event status \
    --terms age,sex,ph.ecog,wt.loss --categorical ph.ecog --per age=10 \
    --out out/demo/lung_forest.png
echo "figures: out/demo/lung_km.png (.pdf, and the numbers at risk in lung_km.csv), out/demo/lung_forest.png"
echo
echo "== cohort run examples/colon/study.yaml: a whole study from one file"
"$cohort" run examples/colon/study.yaml --out out/colon-adjuvant
