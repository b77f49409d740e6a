#!/bin/sh
# examples/demo.sh COHORT - the main job on the bundled example.
# For now: summarise the lung example (later issues run the whole study).
set -eu
cohort=${1:-build/plain/cohort}
cd "$(dirname "$0")/.."
echo "== cohort describe examples/lung/lung.csv"
"$cohort" describe examples/lung/lung.csv
