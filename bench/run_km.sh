#!/usr/bin/env bash
# bench/run_km.sh - time `cohort km` (Kaplan-Meier per group and log-rank
# test) against R's survfit + survdiff on the same synthetic survival CSV
# (bench/README.md explains the columns), and check that both agree.
#
#   bench/run_km.sh PATH_TO_COHORT_BINARY [ROWS...]  (default: 1000000 10000000)
#
# Both programs fit os_months / os_event by group (two groups) and test
# the groups with the log-rank test; each round runs cohort, then R
# (bench/km.R: fread, survfit, survdiff), each under GNU time.  Every run's
# medians and chi-square are compared: a relative difference of 1e-9 or
# more stops the benchmark.
#
# Environment:
#   REPS=5                    runs of each command per size; medians are shown
#   SEED=1                    generator seed (files are reused when present,
#                             so delete bench/data/ after changing it)
#   CC=cc                     compiler for bench/gen_survival.c
#   RSCRIPT=Rscript           the R front end (needs data.table and survival)
#
# Writes bench/data/surv_<rows>.csv when missing (as bench/run.sh does),
# prints a Markdown report on stdout and saves it as
# bench/results/km-<date>.md.  Progress goes to stderr.
set -eu
set -o pipefail

prog=bench/run_km.sh
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
SEED=${SEED:-1}
CC=${CC:-cc}
RSCRIPT=${RSCRIPT:-Rscript}

# The agreement check: largest relative difference allowed.
TOL=1e-9
# The issue's targets: R / cohort at least this much.
COMPUTE_TARGET=10
PROCESS_TARGET=5

{ is_count "$REPS" && [ "$REPS" -ge 1 ]; } || die "REPS must be a whole number >= 1, found '$REPS'"
is_count "$SEED" || die "SEED must be a whole number, found '$SEED'"
for n in "${ROWS[@]}"; do
    { is_count "$n" && [ "$n" -ge 1 ]; } || die "row counts must be whole numbers >= 1 (write 1000000, not 1e6), found '$n'"
done

bench_dir=$(cd "$(dirname "$0")" && pwd)
data_dir=$bench_dir/data
results_dir=$bench_dir/results
mkdir -p "$data_dir" "$results_dir"
tmp_dir=$(mktemp -d "${TMPDIR:-/tmp}/cohort-bench-km.XXXXXX")
trap 'rm -rf "$tmp_dir"' EXIT

# ---- tools ---------------------------------------------------------------

require_gnu_time

case $COHORT in */*) ;; *) COHORT=./$COHORT ;; esac
[ -e "$COHORT" ] || die "no cohort binary at '$COHORT' (build it first: make cli)"
[ -x "$COHORT" ] || die "'$COHORT' is not executable"

# Unlike run.sh, this benchmark is a comparison and an agreement check:
# without R there is nothing to report.
command -v "$RSCRIPT" >/dev/null 2>&1 ||
    die "R ($RSCRIPT) is not installed (make deps-r, or apt-get install r-base-core r-cran-survival r-cran-data.table)"
"$RSCRIPT" -e 'quit(status = if (all(vapply(c("data.table", "survival"), requireNamespace,
                                          logical(1), quietly = TRUE))) 0L else 1L)' >/dev/null 2>&1 ||
    die "R packages data.table and survival are needed (make deps-r, or apt-get install r-cran-survival r-cran-data.table)"

# ---- data ----------------------------------------------------------------

ensure_data "${ROWS[@]}"

# ---- reading and checking results ----------------------------------------

KM_ARGS=(--time os_months --event os_event --group group)

# cohort_results JSON: "group estimate" lines (estimate "NA" when the median
# is not reached) and a "chisq value" line, from `cohort km --format json`.
# Reads the layout cohort prints (one key per line): the "median" object of
# each entry of "groups", and "chisq" of "test".
cohort_results() {
    awk '
        /^  "groups": \[/ { in_groups = 1; next }
        /^  "test": / { in_groups = 0; in_test = 1 }
        in_groups && /^      "group": / {
            g = $0; sub(/^[^:]*: *"/, "", g); sub(/",?[ \t]*$/, "", g); want = 1; next
        }
        in_groups && want && /"median": *null/ { print g, "NA"; want = 0; next }
        in_groups && want && /"median": *\{/ { in_median = 1; next }
        in_median && /"estimate":/ {
            v = $0; sub(/^[^:]*: */, "", v); sub(/,?[ \t]*$/, "", v)
            if (v == "null") v = "NA"
            print g, v; in_median = 0; want = 0; next
        }
        in_test && /^    "chisq":/ {
            v = $0; sub(/^[^:]*: */, "", v); sub(/,?[ \t]*$/, "", v)
            print "chisq", v; in_test = 0
        }' "$1"
}

# r_results OUT: the same lines from bench/km.R's output.
r_results() {
    sed -n 's/^median group=\([^ ]*\) estimate=\([^ ]*\)$/\1 \2/p' "$1"
    sed -n 's/^chisq=\([^ ]*\)$/chisq \1/p' "$1"
}

# compare_results C_FILE R_FILE: prints the largest relative difference
# between the two sets of "name value" lines; stops the benchmark when a
# name is missing on one side, NA on one side only, or the difference is
# TOL or more.
compare_results() {
    local out
    if ! out=$(awk -v tol="$TOL" '
        function abs(x) { return x < 0 ? -x : x }
        NR == FNR { c[$1] = $2; nc++; next }
        {
            nr++
            if (!($1 in c)) { printf "%s: in R only (R %s)\n", $1, $2; bad = 1; next }
            seen[$1] = 1
            a = c[$1]; b = $2
            if (a == "NA" || b == "NA") {
                if (a != b) { printf "%s: cohort %s, R %s\n", $1, a, b; bad = 1 }
                next
            }
            d = abs(a - b); m = abs(a) > abs(b) ? abs(a) : abs(b)
            rel = m > 0 ? d / m : 0
            if (rel > worst) worst = rel
            if (rel >= tol) { printf "%s: cohort %s, R %s (relative difference %.3g)\n", $1, a, b, rel; bad = 1 }
        }
        END {
            for (k in c) if (!(k in seen)) { printf "%s: in cohort only (cohort %s)\n", k, c[k]; bad = 1 }
            if (nc == 0 || nr == 0) { print "no results to compare"; bad = 1 }
            if (bad) exit 1
            printf "%.3g\n", worst + 0
        }' "$1" "$2"); then
        say "cohort and R disagree (relative difference must stay below $TOL):"
        printf '%s\n' "$out" | sed 's/^/    /' >&2
        say "cohort: $(tr '\n' ' ' <"$1")"
        say "R:      $(tr '\n' ' ' <"$2")"
        exit 1
    fi
    printf '%s\n' "$out"
}

# met RATIO TARGET: whether a ratio reaches its target, in words.
met() {
    if [ -z "$1" ]; then
        printf 'unknown'
    elif awk -v r="$1" -v t="$2" 'BEGIN { exit !(r >= t) }'; then
        printf 'met'
    else
        printf 'NOT met'
    fi
}

# ---- measuring -----------------------------------------------------------

r_threads=""
table_rows=""
split_rows=""
agree_rows=""
raw_lines=""
verdicts=""
for n in "${ROWS[@]}"; do
    f=$data_dir/surv_$n.csv

    # Read the file once so that every run starts from a warm page cache.
    cat "$f" >/dev/null

    c_comp=() c_load=() c_wall=() c_rss=() r_comp=() r_fit=() r_diff=() r_load=() r_wall=() r_rss=()
    worst=0
    for rep in $(seq 1 "$REPS"); do
        say "rows=$n rep $rep/$REPS"

        cjson=$tmp_dir/cohort.json
        m=$(measure "$cjson" "$COHORT" km "$f" "${KM_ARGS[@]}" --timings --format json)
        read -r wall rss <<<"$m"
        cl=$(r_value "$tmp_dir/stderr.txt" load_seconds)
        cc=$(r_value "$tmp_dir/stderr.txt" compute_seconds)
        c_rows=$(r_value "$tmp_dir/stderr.txt" rows)
        { [ -n "$cc" ] && [ -n "$cl" ]; } || die "cohort km --timings printed no load_seconds/compute_seconds (stderr: $(tr '\n' ' ' <"$tmp_dir/stderr.txt"))"
        [ "$c_rows" = "$n" ] || die "cohort read '$c_rows' rows from $f, expected $n"
        c_wall+=("$wall") c_rss+=("$rss") c_load+=("$cl") c_comp+=("$cc")
        cohort_results "$cjson" >"$tmp_dir/cohort.res"
        raw_lines+="| $n | $rep | cohort | $wall | $cl | $cc | $rss |"$'\n'

        rout=$tmp_dir/km_r.out
        m=$(measure "$rout" "$RSCRIPT" "$bench_dir/km.R" "$f")
        read -r wall rss <<<"$m"
        r_rows=$(r_value "$rout" rows)
        [ "$r_rows" = "$n" ] || die "R read '$r_rows' rows from $f, expected $n"
        rl=$(r_value "$rout" load_seconds)
        rc=$(r_value "$rout" compute_seconds)
        r_wall+=("$wall") r_rss+=("$rss") r_load+=("$rl") r_comp+=("$rc")
        r_fit+=("$(r_value "$rout" survfit_seconds)") r_diff+=("$(r_value "$rout" survdiff_seconds)")
        r_threads=$(r_value "$rout" threads)
        r_results "$rout" >"$tmp_dir/r.res"
        raw_lines+="| $n | $rep | R | $wall | $rl | $rc | $rss |"$'\n'

        ng=$(grep -vc '^chisq ' "$tmp_dir/r.res" || true)
        [ "$ng" = 2 ] || die "expected two groups in $f, R found $ng"
        rel=$(compare_results "$tmp_dir/cohort.res" "$tmp_dir/r.res")
        worst=$(awk -v a="$worst" -v b="$rel" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
    done

    # The values compared (the same in every run; the last run's shown).
    medians=$(awk '$1 != "chisq" { printf "%s%s: %s", sep, $1, $2; sep = ", " }' "$tmp_dir/cohort.res")
    chisq=$(awk '$1 == "chisq" { printf "%.10g", $2 }' "$tmp_dir/cohort.res")
    agree_rows+="| $n | $medians | $chisq | $worst |"$'\n'

    cc=$(median "${c_comp[@]}")
    cl=$(median "${c_load[@]}")
    cw=$(median "${c_wall[@]}")
    crss=$(kib_to_mb "$(median "${c_rss[@]}")")
    rc=$(median "${r_comp[@]}")
    rf=$(median "${r_fit[@]}")
    rd=$(median "${r_diff[@]}")
    rl=$(median "${r_load[@]}")
    rw=$(median "${r_wall[@]}")
    rrss=$(kib_to_mb "$(median "${r_rss[@]}")")
    comp_ratio=$(ratio "$rc" "$cc")
    proc_ratio=$(ratio "$rw" "$cw")

    # Cohort prints its timings to the millisecond: a compute time that
    # rounds to 0 leaves the ratio undefined, shown as —.
    table_rows+="| $n | $(fmt 3 "$cc") | $(fmt 2 "$rc") | $(fmt 0 "$comp_ratio")"
    table_rows+=" | $(fmt 2 "$cw") | $(fmt 2 "$rw") | $(fmt 1 "$proc_ratio")"
    table_rows+=" | $(fmt 0 "$crss") | $(fmt 0 "$rrss") |"$'\n'
    split_rows+="| $n | $(fmt 3 "$cl") | $(fmt 3 "$cc") | $(fmt 2 "$rl") | $(fmt 2 "$rf") | $(fmt 2 "$rd") |"$'\n'

    verdicts+="- $n rows: compute $(fmt 1 "$comp_ratio") times faster (target $COMPUTE_TARGET: $(met "$comp_ratio" "$COMPUTE_TARGET")); whole process $(fmt 1 "$proc_ratio") times faster (target $PROCESS_TARGET: $(met "$proc_ratio" "$PROCESS_TARGET"))."$'\n'
done

# ---- report --------------------------------------------------------------

stamp=$(date +%Y-%m-%d)
report=$results_dir/km-$stamp.md
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
r_version=$("$RSCRIPT" -e 'cat(R.version.string, ", survival ", format(packageVersion("survival")),
                               ", data.table ", format(packageVersion("data.table")), sep = "")' 2>/dev/null || true)

{
    echo "# Kaplan-Meier and log-rank benchmark, $stamp"
    echo
    echo "Machine: $(nproc) cores${cpu:+, $cpu}, $(uname -sr)."
    echo "Cohort: \`$COHORT km FILE ${KM_ARGS[*]} --timings --format json\` (JSON to a file)."
    echo "R: ${r_version:-unknown}; \`Rscript bench/km.R FILE\`: fread (${r_threads:-?} threads, setDTthreads(0)), then survfit(Surv(os_months, os_event) ~ group) and survdiff(Surv(os_months, os_event) ~ group)."
    echo "Data: bench/data/surv_<rows>.csv from bench/gen_survival.c, seed $SEED; two groups."
    echo "Each figure is the median of $REPS runs, interleaved (cohort, then R, per round), warm page cache, on a noisy shared machine."
    echo
    echo "| rows | cohort compute s | R compute s (survfit + survdiff) | compute ratio | cohort whole process s | R whole process s | process ratio | cohort peak RSS MB | R peak RSS MB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s' "$table_rows"
    echo
    printf '%s' "$verdicts"
    echo
    echo "- cohort compute s: from the loaded table to every result (checks, sort, Kaplan-Meier per group with Greenwood errors and confidence limits, medians and quartiles, log-rank test), as \`cohort km --timings\` prints it (\`compute_seconds=\`, to the millisecond); printing the JSON is not included."
    echo "- R compute s: survfit() plus survdiff(), each timed alone inside R with proc.time() (elapsed); loading and printing are not included."
    echo "- compute ratio = R compute s / cohort compute s; process ratio = R whole process s / cohort whole process s. Above 1, Cohort is faster. Target: compute ratio at least $COMPUTE_TARGET, process ratio at least $PROCESS_TARGET."
    echo "- cohort whole process s: wall time of the whole cohort run under GNU time (start, load, compute, JSON out). R whole process s: the whole \`Rscript bench/km.R\` run (R start-up, loading data.table and survival, fread, survfit, survdiff, printing)."
    echo "- peak RSS: GNU time's %M for the whole process, KiB times 1024 / 10^6 (MB = 10^6 bytes)."
    echo
    echo "Where the time goes (medians):"
    echo
    echo "| rows | cohort load s | cohort compute s | R fread load s | R survfit s | R survdiff s |"
    echo "|---:|---:|---:|---:|---:|---:|"
    printf '%s' "$split_rows"
    echo
    echo "Agreement: in every run the median of each group (cohort's groups[].median.estimate against R's summary(fit)\$table[, \"median\"]) and the log-rank chi-square (test.chisq against survdiff()\$chisq) were compared; a relative difference of $TOL or more would have stopped the benchmark. Largest relative difference seen:"
    echo
    echo "| rows | median by group | chi-square | largest relative difference |"
    echo "|---:|---|---:|---:|"
    printf '%s' "$agree_rows"
    echo
    echo "<details><summary>Every run</summary>"
    echo
    echo "| rows | rep | command | wall s | load s | compute s | peak RSS KiB |"
    echo "|---:|---:|---|---:|---:|---:|---:|"
    printf '%s' "$raw_lines"
    echo
    echo "</details>"
} >"$report"

cat "$report"
say "report saved to $report"
