#!/bin/sh
# examples/demo.sh COHORT - the main job on the bundled example.
# For now: summarise the lung example and its survival by sex (later issues
# run the whole study).  Exits non-zero if any step fails.
set -eu
cohort=${1:-build/plain/cohort}
case $cohort in /*) ;; *) cohort=$(pwd)/$cohort ;; esac
cd "$(dirname "$0")/.."
echo "== cohort describe examples/lung/lung.csv"
"$cohort" describe examples/lung/lung.csv
echo
echo "== cohort km examples/lung/lung.csv --time time --event status --group sex --at 365 --followup --unit days"
"$cohort" km examples/lung/lung.csv --time time --event status --group sex --at 365 \
    --followup --unit days
