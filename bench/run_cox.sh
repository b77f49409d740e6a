#!/usr/bin/env bash
# bench/run_cox.sh - time `cohort cox` (Cox regression, Efron ties, 10
# coefficients) against R's coxph on the same synthetic survival CSV
# (bench/README.md explains the columns), and check that both agree.
#
#   bench/run_cox.sh PATH_TO_COHORT_BINARY [ROWS...]  (default: 1000000 10000000)
#
# Both programs fit Surv(os_months, os_event) ~ age + sex + cea + n_lesions
# + size_cm + stage + center + group on the complete cases (stage: 3 dummy
# columns, sex and center: 1 each); each round runs cohort, then R
# (bench/cox.R: fread, coxph), each under GNU time.  Every run's
# coefficients and standard errors (relative difference 1e-6 or more) and
# log partial likelihood (1e-9 or more) are compared with R's: a
# disagreement stops the benchmark.
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
# bench/results/cox-<date>.md.  Progress goes to stderr.
set -eu
set -o pipefail

prog=bench/run_cox.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"  # say, die, is_count, require_gnu_time, ensure_data, measure, median, r_value, fmt, ratio, kib_to_mb

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
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

# The agreement check: largest relative difference allowed, for the
# coefficients and standard errors, and for the log partial likelihood.
TOL_COEF=1e-6
TOL_LOGLIK=1e-9
# The issue's targets: R / cohort at least this much.
COMPUTE_TARGET=20
PROCESS_TARGET=10
# Columns of the model matrix (for the bytes-per-iteration figure).
P=10

{ is_count "$REPS" && [ "$REPS" -ge 1 ]; } || die "REPS must be a whole number >= 1, found '$REPS'"
is_count "$SEED" || die "SEED must be a whole number, found '$SEED'"
for n in "${ROWS[@]}"; do
    { is_count "$n" && [ "$n" -ge 1 ]; } || die "row counts must be whole numbers >= 1 (write 1000000, not 1e6), found '$n'"
done

bench_dir=$(cd "$(dirname "$0")" && pwd)
data_dir=$bench_dir/data
results_dir=$bench_dir/results
mkdir -p "$data_dir" "$results_dir"
tmp_dir=$(mktemp -d "${TMPDIR:-/tmp}/cohort-bench-cox.XXXXXX")
trap 'rm -rf "$tmp_dir"' EXIT

# ---- tools ---------------------------------------------------------------

require_gnu_time

case $COHORT in */*) ;; *) COHORT=./$COHORT ;; esac
[ -e "$COHORT" ] || die "no cohort binary at '$COHORT' (build it first: make cli)"
[ -x "$COHORT" ] || die "'$COHORT' is not executable"

# As run_km.sh: a comparison and an agreement check, so R is required.
command -v "$RSCRIPT" >/dev/null 2>&1 ||
    die "R ($RSCRIPT) is not installed (make deps-r, or apt-get install r-base-core r-cran-survival r-cran-data.table)"
"$RSCRIPT" -e 'quit(status = if (all(vapply(c("data.table", "survival"), requireNamespace,
                                          logical(1), quietly = TRUE))) 0L else 1L)' >/dev/null 2>&1 ||
    die "R packages data.table and survival are needed (make deps-r, or apt-get install r-cran-survival r-cran-data.table)"

# ---- data ----------------------------------------------------------------

ensure_data "${ROWS[@]}"

# ---- reading and checking results ----------------------------------------

COX_ARGS=(--time os_months --event os_event --terms "age,sex,cea,n_lesions,size_cm,stage,center,group")

# json_flat JSON: one "path<TAB>value" line per scalar of a JSON document,
# the path's parts joined by dots (array elements by index from 0), strings
# without their quotes (escapes left as they are): e.g.
# "model.coefficients.0.name<TAB>age".  A token of valid JSON never spans
# lines (a string holds no raw newline), so the document is read a line at
# a time, whatever its layout.
json_flat() {
    awk '
        function path(   i, p) {
            p = ""
            for (i = 1; i <= sp; i++) p = p (i > 1 ? "." : "") (typ[i] == "o" ? key[i] : idx[i])
            return p
        }
        function done_value() { if (sp > 0 && typ[sp] == "a") idx[sp]++ }
        function emit(v) { print path() "\t" v; done_value() }
        {
            s = $0
            while (s != "") {
                if (match(s, /^[ \t\r]+/)) { s = substr(s, RLENGTH + 1); continue }
                c = substr(s, 1, 1)
                if (c == "{" || c == "[") {
                    sp++; typ[sp] = (c == "{") ? "o" : "a"; idx[sp] = 0; key[sp] = ""
                    want_key = (c == "{"); s = substr(s, 2); continue
                }
                if (c == "}" || c == "]") { sp--; done_value(); want_key = 0; s = substr(s, 2); continue }
                if (c == ",") { want_key = (typ[sp] == "o"); s = substr(s, 2); continue }
                if (c == ":") { s = substr(s, 2); continue }
                if (c == "\"") {
                    if (!match(s, /^"([^"\\]|\\.)*"/)) { print "json_flat: bad string: " s > "/dev/stderr"; exit 1 }
                    tok = substr(s, 2, RLENGTH - 2); s = substr(s, RLENGTH + 1)
                    if (want_key) { key[sp] = tok; want_key = 0 } else emit(tok)
                    continue
                }
                if (!match(s, /^[^,:{}\[\] \t\r"]+/)) { print "json_flat: unexpected: " s > "/dev/stderr"; exit 1 }
                tok = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
                emit(tok)
            }
        }' "$1"
}

# cohort_results JSON: "coef NAME VALUE", "se NAME VALUE" and "loglik
# VALUE" lines, and "iterations N" and (when the JSON has it) "n N", from
# `cohort cox --format json` (model.coefficients[].name/coef/se,
# model.loglik.final, model.iterations, model.n).  Names are reduced to
# letters, digits and underscores, so that cohort's "sex=M" meets R's
# "sexM".
cohort_results() {
    json_flat "$1" | awk -F '\t' '
        function norm(s) { gsub(/[^A-Za-z0-9_]/, "", s); return s }
        $1 ~ /^model\.coefficients\.[0-9]+\.(name|coef|se)$/ {
            split($1, part, "."); k = part[3] + 0; f = part[4]
            v[k, f] = $2; if (k + 1 > nk) nk = k + 1; next
        }
        $1 == "model.loglik.final" { print "loglik", $2; next }
        $1 == "model.iterations" { print "iterations", $2; next }
        $1 == "model.n" { print "n", $2; next }
        END {
            for (k = 0; k < nk; k++) {
                name = norm(v[k, "name"])
                print "coef", name, ((k, "coef") in v) ? v[k, "coef"] : "NA"
                print "se", name, ((k, "se") in v) ? v[k, "se"] : "NA"
            }
        }'
}

# r_results OUT: the same lines from bench/cox.R's output.
r_results() {
    sed -n 's/^coef name=\([^ ]*\) coef=\([^ ]*\) se=\([^ ]*\)$/coef \1 \2\nse \1 \3/p' "$1" |
        awk '{ gsub(/[^A-Za-z0-9_]/, "", $2); print }'
    sed -n 's/^loglik=\([^ ]*\)$/loglik \1/p' "$1"
}

# compare_results C_FILE R_FILE: compares the "coef", "se" and "loglik"
# lines of the two files; prints "largest_coef largest_se loglik_diff"
# (relative differences); stops the benchmark when a coefficient is missing
# on one side, is not a number, or a difference reaches its tolerance.
compare_results() {
    local out
    if ! out=$(awk -v tol_coef="$TOL_COEF" -v tol_ll="$TOL_LOGLIK" '
        function abs(x) { return x < 0 ? -x : x }
        function isnum(x) { return x ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ }
        function id(   k) { return $1 == "loglik" ? "loglik" : $1 " " $2 }
        function val() { return $1 == "loglik" ? $2 : $3 }
        $1 != "coef" && $1 != "se" && $1 != "loglik" { next }
        NR == FNR { c[id()] = val(); nc++; next }
        {
            k = id(); b = val(); nr++
            if (!(k in c)) { printf "%s: in R only (R %s)\n", k, b; bad = 1; next }
            seen[k] = 1; a = c[k]
            if (!isnum(a) || !isnum(b)) { printf "%s: cohort %s, R %s\n", k, a, b; bad = 1; next }
            d = abs(a - b); m = abs(a) > abs(b) ? abs(a) : abs(b)
            rel = m > 0 ? d / m : 0
            tol = ($1 == "loglik") ? tol_ll : tol_coef
            if ($1 == "coef" && rel > wc) wc = rel
            if ($1 == "se" && rel > ws) ws = rel
            if ($1 == "loglik") wl = rel
            if (rel >= tol) { printf "%s: cohort %s, R %s (relative difference %.3g, tolerance %s)\n", k, a, b, rel, tol; bad = 1 }
        }
        END {
            for (k in c) if (!(k in seen)) { printf "%s: in cohort only (cohort %s)\n", k, c[k]; bad = 1 }
            if (nc == 0 || nr == 0) { print "no results to compare"; bad = 1 }
            if (!("loglik" in c)) { print "cohort printed no model.loglik.final"; bad = 1 }
            if (bad) exit 1
            printf "%.3g %.3g %.3g\n", wc + 0, ws + 0, wl + 0
        }' "$1" "$2"); then
        say "cohort and R disagree (relative difference must stay below $TOL_COEF for coefficients and standard errors, $TOL_LOGLIK for the log-likelihood):"
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

maxof() { awk -v a="$1" -v b="$2" 'BEGIN { print (b + 0 > a + 0) ? b : a }'; }

# ---- measuring -----------------------------------------------------------

r_threads=""
table_rows=""
split_rows=""
agree_rows=""
iter_rows=""
coef_rows=""
raw_lines=""
verdicts=""
for n in "${ROWS[@]}"; do
    f=$data_dir/surv_$n.csv

    # Read the file once so that every run starts from a warm page cache.
    cat "$f" >/dev/null

    c_comp=() c_load=() c_wall=() c_rss=() r_fit=() r_load=() r_wall=() r_rss=()
    worst_coef=0 worst_se=0 worst_ll=0
    for rep in $(seq 1 "$REPS"); do
        say "rows=$n rep $rep/$REPS"

        cjson=$tmp_dir/cohort.json
        m=$(measure "$cjson" "$COHORT" cox "$f" "${COX_ARGS[@]}" --format json --timings)
        read -r wall rss <<<"$m"
        cl=$(r_value "$tmp_dir/stderr.txt" load_seconds)
        cc=$(r_value "$tmp_dir/stderr.txt" compute_seconds)
        c_rows=$(r_value "$tmp_dir/stderr.txt" rows)
        { [ -n "$cc" ] && [ -n "$cl" ]; } || die "cohort cox --timings printed no load_seconds/compute_seconds (stderr: $(tr '\n' ' ' <"$tmp_dir/stderr.txt"))"
        c_wall+=("$wall") c_rss+=("$rss") c_load+=("$cl") c_comp+=("$cc")
        cohort_results "$cjson" >"$tmp_dir/cohort.res"
        c_iter=$(awk '$1 == "iterations" { print $2 }' "$tmp_dir/cohort.res")
        c_n=$(awk '$1 == "n" { print $2 }' "$tmp_dir/cohort.res")
        raw_lines+="| $n | $rep | cohort | $wall | $cl | $cc | ${c_iter:-?} | $rss |"$'\n'

        rout=$tmp_dir/cox_r.out
        m=$(measure "$rout" "$RSCRIPT" "$bench_dir/cox.R" "$f")
        read -r wall rss <<<"$m"
        r_rows=$(r_value "$rout" rows)
        [ "$r_rows" = "$n" ] || die "R read '$r_rows' rows from $f, expected $n"
        rl=$(r_value "$rout" load_seconds)
        rf=$(r_value "$rout" fit_seconds)
        r_n=$(r_value "$rout" n)
        r_events=$(r_value "$rout" events)
        r_iter=$(r_value "$rout" iterations)
        r_wall+=("$wall") r_rss+=("$rss") r_load+=("$rl") r_fit+=("$rf")
        r_threads=$(r_value "$rout" threads)
        r_results "$rout" >"$tmp_dir/r.res"
        raw_lines+="| $n | $rep | R | $wall | $rl | $rf | $r_iter | $rss |"$'\n'

        # Both must have used the same rows: cohort's rows= (--timings) is
        # either the rows read or the rows used; model.n, when the JSON
        # has it, the rows used.
        [ "$c_rows" = "$n" ] || [ "$c_rows" = "$r_n" ] ||
            die "cohort reports rows=$c_rows, R read $n rows and used $r_n"
        [ -z "$c_n" ] || [ "$c_n" = "$r_n" ] ||
            die "cohort used $c_n rows (model.n), R used $r_n (complete cases)"
        nc=$(grep -c '^coef ' "$tmp_dir/r.res" || true)
        [ "$nc" = "$P" ] || die "expected $P coefficients from R, found $nc"
        # (An assignment, so that set -e stops here when they disagree.)
        diffs=$(compare_results "$tmp_dir/cohort.res" "$tmp_dir/r.res")
        read -r rc rs rll <<<"$diffs"
        worst_coef=$(maxof "$worst_coef" "$rc")
        worst_se=$(maxof "$worst_se" "$rs")
        worst_ll=$(maxof "$worst_ll" "$rll")
    done

    # The values compared (the same in every run; the last run's shown).
    loglik=$(awk '$1 == "loglik" { printf "%.12g", $2 }' "$tmp_dir/cohort.res")
    agree_rows+="| $n | $r_n | $r_events | $loglik | ${c_iter:-?} / $r_iter | $worst_coef | $worst_se | $worst_ll |"$'\n'
    coef_rows+=$(awk -v n="$n" '
        function abs(x) { return x < 0 ? -x : x }
        function rel(a, b,   m) { m = abs(a) > abs(b) ? abs(a) : abs(b); return m > 0 ? abs(a - b) / m : 0 }
        NR == FNR { if ($1 == "coef" || $1 == "se") c[$1, $2] = $3; next }
        $1 == "coef" { name[++k] = $2; rc[$2] = $3 }
        $1 == "se" { rs[$2] = $3 }
        END {
            for (i = 1; i <= k; i++) {
                m = name[i]
                printf "| %s | %s | %.10g | %.10g | %.10g | %.10g | %.2g |\n", n, m, c["coef", m], rc[m],
                       c["se", m], rs[m], (rel(c["coef", m], rc[m]) > rel(c["se", m], rs[m])) ? rel(c["coef", m], rc[m]) : rel(c["se", m], rs[m])
            }
        }' "$tmp_dir/cohort.res" "$tmp_dir/r.res")$'\n'

    cc=$(median "${c_comp[@]}")
    cl=$(median "${c_load[@]}")
    cw=$(median "${c_wall[@]}")
    crss=$(kib_to_mb "$(median "${c_rss[@]}")")
    rf=$(median "${r_fit[@]}")
    rl=$(median "${r_load[@]}")
    rw=$(median "${r_wall[@]}")
    rrss=$(kib_to_mb "$(median "${r_rss[@]}")")
    comp_ratio=$(ratio "$rf" "$cc")
    proc_ratio=$(ratio "$rw" "$cw")

    # Cohort prints its timings to the millisecond: a compute time that
    # rounds to 0 leaves the ratio undefined, shown as —.
    table_rows+="| $n | $(fmt 3 "$cc") | $(fmt 2 "$rf") | $(fmt 1 "$comp_ratio")"
    table_rows+=" | $(fmt 2 "$cw") | $(fmt 2 "$rw") | $(fmt 1 "$proc_ratio")"
    table_rows+=" | $(fmt 0 "$crss") | $(fmt 0 "$rrss") |"$'\n'
    split_rows+="| $n | $(fmt 3 "$cl") | $(fmt 3 "$cc") | $(fmt 2 "$rl") | $(fmt 2 "$rf") |"$'\n'

    # Per Newton-Raphson iteration: the model matrix of the rows used,
    # 8 n p bytes, is read at least once.  compute s / iterations is an
    # upper bound on the time of one iteration (the compute also builds
    # and sorts the data).
    if [ -n "$c_iter" ] && [ "$c_iter" -gt 0 ] 2>/dev/null; then
        per_iter=$(awk -v c="$cc" -v k="$c_iter" 'BEGIN { printf "%.6g", c / k }')
        gbs=$(awk -v nn="$r_n" -v p="$P" -v t="$per_iter" 'BEGIN { if (t > 0) printf "%.6g", 8 * nn * p / t / 1e9 }')
        mb=$(awk -v nn="$r_n" -v p="$P" 'BEGIN { printf "%.6g", 8 * nn * p / 1e6 }')
        iter_rows+="| $n | $r_n | $(fmt 0 "$mb") | $c_iter | $(fmt 4 "$per_iter") | $(fmt 2 "$gbs") |"$'\n'
    else
        iter_rows+="| $n | $r_n | — | ${c_iter:-?} | — | — |"$'\n'
    fi

    verdicts+="- $n rows: fit $(fmt 1 "$comp_ratio") times faster (target $COMPUTE_TARGET: $(met "$comp_ratio" "$COMPUTE_TARGET")); whole process $(fmt 1 "$proc_ratio") times faster (target $PROCESS_TARGET: $(met "$proc_ratio" "$PROCESS_TARGET"))."$'\n'
done

# ---- report --------------------------------------------------------------

stamp=$(date +%Y-%m-%d)
report=$results_dir/cox-$stamp.md
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
r_version=$("$RSCRIPT" -e 'cat(R.version.string, ", survival ", format(packageVersion("survival")),
                               ", data.table ", format(packageVersion("data.table")), sep = "")' 2>/dev/null || true)

{
    echo "# Cox regression benchmark, $stamp"
    echo
    echo "Machine: $(nproc) cores${cpu:+, $cpu}, $(uname -sr)."
    echo "Cohort: \`$COHORT cox FILE ${COX_ARGS[*]} --format json --timings\` (JSON to a file)."
    echo "R: ${r_version:-unknown}; \`Rscript bench/cox.R FILE\`: fread (${r_threads:-?} threads, setDTthreads(0)), then coxph(Surv(os_months, os_event) ~ age + sex + cea + n_lesions + size_cm + stage + center + group, ties = \"efron\") on the complete cases."
    echo "Data: bench/data/surv_<rows>.csv from bench/gen_survival.c, seed $SEED; $P coefficients (stage 3 dummies, sex and center 1 each)."
    echo "Each figure is the median of $REPS runs, interleaved (cohort, then R, per round), warm page cache, on a noisy shared machine."
    echo
    echo "| rows | cohort compute s | R coxph s | fit ratio | cohort whole process s | R whole process s | process ratio | cohort peak RSS MB | R peak RSS MB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s' "$table_rows"
    echo
    printf '%s' "$verdicts"
    echo
    echo "- cohort compute s: from the loaded table to the fitted model (design and complete cases, sorting, Newton-Raphson), as \`cohort cox --timings\` prints it (\`compute_seconds=\`, to the millisecond); the output phase is not included, and in it the concordance, which cohort cox computes while writing its output (and the proportional-hazards test, cox.zph, with --zph only; the benchmark does not ask for it)."
    echo "- R coxph s: the coxph() call alone, timed inside R with proc.time() (elapsed): model frame and matrix, complete cases, sorting, the fit, and the concordance (survival 3.x's coxph computes it inside the call). R's cox.zph is not run."
    echo "- fit ratio = R coxph s / cohort compute s; process ratio = R whole process s / cohort whole process s. Above 1, Cohort is faster. Target: fit ratio at least $COMPUTE_TARGET, process ratio at least $PROCESS_TARGET."
    echo "- cohort whole process s: wall time of the whole cohort run under GNU time (start, load, fit, concordance, JSON out). R whole process s: the whole \`Rscript bench/cox.R\` run (R start-up, loading data.table and survival, fread, coxph, printing)."
    echo "- peak RSS: GNU time's %M for the whole process, KiB times 1024 / 10^6 (MB = 10^6 bytes)."
    echo
    echo "Where the time goes (medians):"
    echo
    echo "| rows | cohort load s | cohort compute s | R fread load s | R coxph s |"
    echo "|---:|---:|---:|---:|---:|"
    printf '%s' "$split_rows"
    echo
    echo "Per Newton-Raphson iteration (cohort, median compute time): each iteration reads the model matrix of the rows used, n x $P doubles; compute s / iterations is an upper bound on one iteration's time, since the compute also builds and sorts the data."
    echo
    echo "| rows | rows used n | 8 n p MB | iterations | compute s / iteration | 8 n p / (s / iteration) GB/s |"
    echo "|---:|---:|---:|---:|---:|---:|"
    printf '%s' "$iter_rows"
    echo
    echo "Agreement: in every run each coefficient and its standard error (cohort's model.coefficients[] against R's coef(fit) and sqrt(diag(fit\$var)), matched by name) and the log partial likelihood at the fit (model.loglik.final against fit\$loglik[2]) were compared; a relative difference of $TOL_COEF or more (coefficients, standard errors) or $TOL_LOGLIK or more (log-likelihood) would have stopped the benchmark. Largest relative differences seen:"
    echo
    echo "| rows | rows used | events | log-likelihood | iterations cohort / R | coefficients | standard errors | log-likelihood |"
    echo "|---:|---:|---:|---:|---|---:|---:|---:|"
    printf '%s' "$agree_rows"
    echo
    echo "<details><summary>Coefficients (last run)</summary>"
    echo
    echo "| rows | term | cohort coef | R coef | cohort SE | R SE | relative difference |"
    echo "|---:|---|---:|---:|---:|---:|---:|"
    printf '%s' "$coef_rows"
    echo
    echo "</details>"
    echo
    echo "<details><summary>Every run</summary>"
    echo
    echo "| rows | rep | command | wall s | load s | fit / compute s | iterations | peak RSS KiB |"
    echo "|---:|---:|---|---:|---:|---:|---:|---:|"
    printf '%s' "$raw_lines"
    echo
    echo "</details>"
} >"$report"

cat "$report"
say "report saved to $report"
