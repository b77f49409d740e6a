# bench/lib.sh - helpers shared by bench/run.sh and bench/run_km.sh.
# Sourced, not run.  The sourcing script (bash, set -eu) sets:
#   prog                  its name, for messages
#   bench_dir, data_dir   before ensure_data
#   CC, SEED              before ensure_data
#   tmp_dir               before measure (a scratch directory it owns)
# require_gnu_time sets TIME, which measure uses.
# shellcheck shell=bash
# shellcheck disable=SC2154  # prog, bench_dir, data_dir, tmp_dir: set by the caller

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

is_count() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

# require_gnu_time: sets TIME to GNU time, or stops.
require_gnu_time() {
    TIME=/usr/bin/time
    if [ ! -x "$TIME" ] || ! "$TIME" --version 2>&1 | grep -q 'GNU'; then
        die "GNU time is needed at $TIME (apt-get install -y time, or make deps-r)"
    fi
}

# ensure_data ROWS...: builds bench/data/gen_survival when missing or older
# than its source, and writes bench/data/surv_<rows>.csv for each size not
# there yet (seed $SEED).
ensure_data() {
    local gen=$data_dir/gen_survival gen_src=$bench_dir/gen_survival.c n f
    if [ ! -x "$gen" ] || [ "$gen_src" -nt "$gen" ]; then
        say "building $gen"
        "$CC" -std=c11 -O2 -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes \
            -Wmissing-prototypes -o "$gen" "$gen_src" -lm ||
            die "could not compile $gen_src with $CC"
    fi
    for n in "$@"; do
        f=$data_dir/surv_$n.csv
        if [ ! -s "$f" ]; then
            say "generating $f ($n rows, seed $SEED)"
            "$gen" --rows "$n" --seed "$SEED" --out "$f.part" || die "gen_survival failed for $n rows"
            mv "$f.part" "$f"
        fi
    done
}

# measure OUT CMD...: runs CMD under GNU time with its stdout in OUT (or
# /dev/null) and its stderr in $tmp_dir/stderr.txt, and prints
# "wall_seconds peak_rss_kib".  Stops the whole benchmark, showing the
# command's stderr, if CMD fails.
measure() {
    local out=$1
    shift
    local tf=$tmp_dir/time.txt ef=$tmp_dir/stderr.txt
    if ! "$TIME" -o "$tf" -f '%e %M' "$@" >"$out" 2>"$ef"; then
        say "command failed: $*"
        tail -n 20 "$ef" >&2
        tail -n 2 "$tf" >&2 2>/dev/null || true
        exit 1
    fi
    tail -n 1 "$tf"
}

# median V...: the median of the numbers given (mean of the middle two for
# an even count); empty when none are given.
median() {
    [ $# -gt 0 ] || return 0
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# r_value FILE KEY: the value of the first KEY=... in FILE (output of the R
# scripts, or cohort's --timings line).
r_value() {
    sed -n "s/.*\\<$2=\\([^ ]*\\).*/\\1/p" "$1" | head -n 1
}

fmt() { # fmt DECIMALS VALUE: VALUE rounded, or an em dash when empty
    if [ -z "$2" ]; then printf '—'; else awk -v v="$2" -v d="$1" 'BEGIN { printf "%.*f", d, v }'; fi
}
ratio() { # ratio A B: A/B, or empty when either is empty or B is zero
    [ -n "$1" ] && [ -n "$2" ] || return 0
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.6g", a / b }'
}
kib_to_mb() { # kib_to_mb KIB: KiB as MB (10^6 bytes), or empty when empty
    [ -z "$1" ] || awk -v k="$1" 'BEGIN { printf "%.6g", k * 1024 / 1e6 }'
}
