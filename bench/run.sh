#!/usr/bin/env bash
# bench/run.sh - time `cohort describe` against R's fread and read.csv on
# the same synthetic survival CSV (bench/README.md explains the columns).
#
#   bench/run.sh PATH_TO_COHORT_BINARY [ROWS...]     (default: 1000000 10000000)
#
# Environment:
#   REPS=5                    runs of each command per size; medians are shown
#   READCSV_MAX_ROWS=1000000  read.csv only for sizes up to this (it is slow)
#   SEED=1                    generator seed (files are reused when present,
#                             so delete bench/data/ after changing it)
#   CC=cc                     compiler for bench/gen_survival.c
#   RSCRIPT=Rscript           the R front end; R columns are skipped without it
#   COHORT_CMD=...            test hook: time `$COHORT_CMD FILE` instead of
#                             `$COHORT describe FILE --format json` (e.g.
#                             COHORT_CMD=cat to try the script before the CLI
#                             exists); the report says a stand-in was used
#                             and is saved as load-<date>-standin.md.
#
# Writes bench/data/gen_survival and bench/data/surv_<rows>.csv (git-ignored,
# generated once), prints a Markdown report on stdout and saves it as
# bench/results/load-<date>.md.  Progress goes to stderr.
set -eu
set -o pipefail

prog=bench/run.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"  # say, die, is_count, require_gnu_time, ensure_data, measure, median, r_value, fmt, ratio, kib_to_mb

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2
    [ $# -ge 1 ] && exit 0
    exit 2
fi

COHORT=$1
shift
if [ $# -gt 0 ]; then
    ROWS=("$@")
else
    ROWS=(1000000 10000000)
fi
REPS=${REPS:-5}
READCSV_MAX_ROWS=${READCSV_MAX_ROWS:-1000000}
SEED=${SEED:-1}
CC=${CC:-cc}
COHORT_CMD=${COHORT_CMD:-}
RSCRIPT=${RSCRIPT:-Rscript}

{ is_count "$REPS" && [ "$REPS" -ge 1 ]; } || die "REPS must be a whole number >= 1, found '$REPS'"
is_count "$READCSV_MAX_ROWS" || die "READCSV_MAX_ROWS must be a whole number, found '$READCSV_MAX_ROWS'"
is_count "$SEED" || die "SEED must be a whole number, found '$SEED'"
for n in "${ROWS[@]}"; do
    { is_count "$n" && [ "$n" -ge 1 ]; } || die "row counts must be whole numbers >= 1 (write 1000000, not 1e6), found '$n'"
done

bench_dir=$(cd "$(dirname "$0")" && pwd)
data_dir=$bench_dir/data
results_dir=$bench_dir/results
mkdir -p "$data_dir" "$results_dir"
tmp_dir=$(mktemp -d "${TMPDIR:-/tmp}/cohort-bench.XXXXXX")
trap 'rm -rf "$tmp_dir"' EXIT

# ---- tools ---------------------------------------------------------------

require_gnu_time

if [ -n "$COHORT_CMD" ]; then
    cohort_label="stand-in \`$COHORT_CMD FILE\` (COHORT_CMD is set; not cohort)"
    say "COHORT_CMD is set: timing '$COHORT_CMD FILE' in place of cohort describe"
else
    case $COHORT in */*) ;; *) COHORT=./$COHORT ;; esac
    [ -e "$COHORT" ] || die "no cohort binary at '$COHORT' (build it first: make cli)"
    [ -x "$COHORT" ] || die "'$COHORT' is not executable"
    cohort_label="\`$COHORT describe FILE --format json > /dev/null\`"
fi

have_r=0
have_fread=0
r_note=""
if command -v "$RSCRIPT" >/dev/null 2>&1; then
    have_r=1
    if "$RSCRIPT" -e 'quit(status = if (requireNamespace("data.table", quietly = TRUE)) 0L else 1L)' \
        >/dev/null 2>&1; then
        have_fread=1
    else
        r_note="R package data.table is not installed: fread columns skipped (apt-get install r-cran-data.table)."
        say "$r_note"
    fi
else
    r_note="R ($RSCRIPT) is not installed: all R columns skipped (make deps-r, or apt-get install r-base-core r-cran-data.table)."
    say "$r_note"
fi

# ---- generator and data --------------------------------------------------

ensure_data "${ROWS[@]}"

# ---- measuring -----------------------------------------------------------

fread_threads=""
table_rows=""
raw_lines=""
for n in "${ROWS[@]}"; do
    f=$data_dir/surv_$n.csv
    bytes=$(wc -c <"$f")
    ncol=$(head -n 1 "$f" | awk -F, '{ print NF }')
    do_readcsv=0
    [ "$have_r" = 1 ] && [ "$n" -le "$READCSV_MAX_ROWS" ] && do_readcsv=1

    # Read the file once so that every tool starts from a warm page cache.
    cat "$f" >/dev/null

    c_wall=() c_load=() c_rss=() fr_load=() fr_desc=() fr_wall=() fr_rss=() fr_lrss=() rc_load=() rc_rss=()
    for rep in $(seq 1 "$REPS"); do
        say "rows=$n rep $rep/$REPS"
        if [ -n "$COHORT_CMD" ]; then
            # shellcheck disable=SC2086  # COHORT_CMD may hold arguments
            m=$(measure /dev/null $COHORT_CMD "$f")
        else
            m=$(measure /dev/null "$COHORT" describe "$f" --format json --timings)
        fi
        read -r wall rss <<<"$m"
        cload=$(r_value "$tmp_dir/stderr.txt" load_seconds)
        tbytes=$(r_value "$tmp_dir/stderr.txt" table_bytes)
        c_wall+=("$wall") c_rss+=("$rss")
        [ -z "$cload" ] || c_load+=("$cload")
        raw_lines+="| $n | $rep | cohort | $wall | ${cload:-—} | $rss |"$'\n'

        if [ "$have_fread" = 1 ]; then
            rout=$tmp_dir/fread.out
            m=$(measure "$rout" "$RSCRIPT" "$bench_dir/load.R" "$f" fread)
            read -r wall rss <<<"$m"
            load=$(r_value "$rout" load_seconds)
            r_rows=$(r_value "$rout" rows)
            [ "$r_rows" = "$n" ] || die "fread read '$r_rows' rows from $f, expected $n"
            fr_wall+=("$wall") fr_rss+=("$rss") fr_load+=("$load")
            fr_desc+=("$(r_value "$rout" describe_seconds)")
            lrss=$(r_value "$rout" load_peak_rss_kib)
            case $lrss in '' | *[!0-9]*) ;; *) fr_lrss+=("$lrss") ;; esac
            fread_threads=$(r_value "$rout" threads)
            raw_lines+="| $n | $rep | fread | $wall | $load | $rss |"$'\n'
        fi
        if [ "$do_readcsv" = 1 ]; then
            rout=$tmp_dir/readcsv.out
            m=$(measure "$rout" "$RSCRIPT" "$bench_dir/load.R" "$f" read.csv)
            read -r wall rss <<<"$m"
            load=$(r_value "$rout" load_seconds)
            r_rows=$(r_value "$rout" rows)
            [ "$r_rows" = "$n" ] || die "read.csv read '$r_rows' rows from $f, expected $n"
            rc_rss+=("$rss") rc_load+=("$load")
            raw_lines+="| $n | $rep | read.csv | $wall | $load | $rss |"$'\n'
        fi
    done

    mb=$(awk -v b="$bytes" 'BEGIN { printf "%.6g", b / 1e6 }')
    col_mb=$(awk -v n="$n" -v k="$ncol" 'BEGIN { printf "%.6g", n * k * 9 / 1e6 }')

    cw=$(median "${c_wall[@]}")
    cl=$(median ${c_load[@]+"${c_load[@]}"})
    crss=$(kib_to_mb "$(median "${c_rss[@]}")")
    fl=$(median ${fr_load[@]+"${fr_load[@]}"})
    fd=$(median ${fr_desc[@]+"${fr_desc[@]}"})
    fw=$(median ${fr_wall[@]+"${fr_wall[@]}"})
    frss=$(kib_to_mb "$(median ${fr_rss[@]+"${fr_rss[@]}"})")
    flrss=$(kib_to_mb "$(median ${fr_lrss[@]+"${fr_lrss[@]}"})")
    rl=$(median ${rc_load[@]+"${rc_load[@]}"})
    rrss=$(kib_to_mb "$(median ${rc_rss[@]+"${rc_rss[@]}"})")

    table_rows+="| $n | $(fmt 1 "$mb") | $(fmt 2 "$cl") | $(fmt 0 "$(ratio "$mb" "$cl")") | $(fmt 2 "$cw")"
    cohort_col_mb=$col_mb
    [ -z "${tbytes:-}" ] || cohort_col_mb=$(awk -v b="$tbytes" 'BEGIN { printf "%.6g", b / 1e6 }')
    table_rows+=" | $(fmt 0 "$crss") | $(fmt 0 "$cohort_col_mb") | $(fmt 2 "$(ratio "$crss" "$cohort_col_mb")")"
    table_rows+=" | $(fmt 2 "$fl") | $(fmt 0 "$(ratio "$mb" "$fl")") | $(fmt 2 "$fd")"
    table_rows+=" | $(fmt 2 "$fw") | $(fmt 0 "$frss") | $(fmt 0 "$flrss") | $(fmt 2 "$(ratio "$frss" "$col_mb")")"
    table_rows+=" | $(fmt 2 "$rl") | $(fmt 0 "$rrss") | $(fmt 2 "$(ratio "$fl" "$cl")") | $(fmt 2 "$(ratio "$fw" "$cw")") |"$'\n'
done

# ---- report --------------------------------------------------------------

stamp=$(date +%Y-%m-%d)
report=$results_dir/load-$stamp${COHORT_CMD:+-standin}.md
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
r_version=""
dt_version=""
if [ "$have_r" = 1 ]; then
    r_version=$("$RSCRIPT" -e 'cat(R.version.string)' 2>/dev/null || true)
    [ "$have_fread" = 1 ] &&
        dt_version=$("$RSCRIPT" -e 'cat(format(packageVersion("data.table")))' 2>/dev/null || true)
fi

{
    echo "# Load benchmark, $stamp"
    echo
    echo "Machine: $(nproc) cores${cpu:+, $cpu}, $(uname -sr)."
    echo "Cohort: $cohort_label."
    if [ "$have_r" = 1 ]; then
        echo "R: ${r_version:-unknown}${dt_version:+, data.table $dt_version}${fread_threads:+ (fread with $fread_threads threads, setDTthreads(0))}."
    fi
    [ -z "$r_note" ] || echo "Note: $r_note"
    echo "Data: bench/data/surv_<rows>.csv from bench/gen_survival.c, seed $SEED, $ncol columns."
    echo "Each figure is the median of $REPS runs, interleaved (cohort, fread, read.csv per round), warm page cache, on a noisy shared machine."
    echo "read.csv ran only for files of at most $READCSV_MAX_ROWS rows; — marks a skipped or unavailable figure."
    echo
    echo "| rows | file MB | cohort load s | cohort load MB/s | cohort wall s | cohort peak RSS MB | cohort columns MB | cohort RSS / columns | fread load s | fread MB/s | fread describe s | fread process wall s | fread peak RSS MB | fread RSS after load MB | fread RSS / columns | read.csv load s | read.csv peak RSS MB | fread load / cohort load | fread process / cohort process |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s' "$table_rows"
    echo
    echo "- MB = 10^6 bytes; peak RSS is GNU time's %M (KiB) times 1024 / 10^6."
    echo "- cohort load s is the read alone, as \`cohort describe --timings\` reports it (the same span as fread's load call: open the file to a finished table)."
    echo "- cohort wall s is the whole process (start, read, describe, JSON out); fread/read.csv load s is the load call alone, timed inside R; fread process wall s is the whole Rscript run (R start-up, loading data.table, load, describe); fread peak RSS MB is that whole process, fread RSS after load MB its peak up to the end of the load (VmHWM read inside R)."
    echo "- cohort columns MB is the size of the table Cohort loaded, as \`--timings\` reports it (table_bytes: values, missing masks, level text); cohort RSS / columns is the issue's memory criterion (at most 1.5)."
    echo "- \"columns\" for R is an estimate of the table's in-memory size: rows x columns x 8 bytes (one 8-byte value per cell) plus rows x columns x 1 byte (a missing mask per cell), i.e. rows x columns x 9 bytes. RSS / columns near 1 means little overhead beyond the columns; R's text columns are pointers into its string cache, so its figure is comparable only roughly."
    echo "- fread load / cohort load above 1 means cohort reads the file faster than fread; fread process / cohort process compares the whole runs (start-up, load, describe)."
    echo
    echo "<details><summary>Every run</summary>"
    echo
    echo "| rows | rep | command | wall s | load s (R) | peak RSS KiB |"
    echo "|---:|---:|---|---:|---:|---:|"
    printf '%s' "$raw_lines"
    echo
    echo "</details>"
} >"$report"

cat "$report"
say "report saved to $report"
