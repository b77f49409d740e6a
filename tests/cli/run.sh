#!/bin/sh
# tests/cli/run.sh COHORT - run the end-to-end cases in tests/cli/*.test.
#
# A case is a block of lines (blocks are separated by blank lines):
#   name: what it checks
#   cmd: describe tests/data/x.csv --format json   (arguments to cohort;
#                                                  run by sh from the repo root)
#   exit: 0                                       (expected exit status)
#   stdout: text                                  (each must occur in stdout)
#   stderr: text                                  (each must occur in stderr)
#   stdout-file: path                             (stdout must equal the file)
#   no-stdout: text                               (must not occur in stdout)
# Lines starting with # are comments.  Prints "cli: N passed, N failed".
set -u
cohort=${1:?usage: tests/cli/run.sh COHORT}
case $cohort in /*) ;; *) cohort=$(pwd)/$cohort ;; esac
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_case() {
    [ -n "$cmd" ] || return 0
    if (eval "\"\$cohort\" $cmd") >"$tmp/out" 2>"$tmp/err" </dev/null; then rc=0; else rc=$?; fi
    ok=1
    why=""
    [ "$rc" = "$want_exit" ] || { ok=0; why="exit $rc, want $want_exit"; }
    while IFS= read -r s; do
        [ -z "$s" ] && continue
        grep -qF -- "$s" "$tmp/out" || { ok=0; why="$why; stdout lacks '$s'"; }
    done <"$tmp/want_out"
    while IFS= read -r s; do
        [ -z "$s" ] && continue
        grep -qF -- "$s" "$tmp/err" || { ok=0; why="$why; stderr lacks '$s'"; }
    done <"$tmp/want_err"
    while IFS= read -r s; do
        [ -z "$s" ] && continue
        if grep -qF -- "$s" "$tmp/out"; then ok=0; why="$why; stdout has '$s'"; fi
    done <"$tmp/not_out"
    if [ -n "$out_file" ] && ! cmp -s "$tmp/out" "$out_file"; then
        ok=0
        why="$why; stdout differs from $out_file"
        diff "$out_file" "$tmp/out" | head -20
    fi
    if [ $ok = 1 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $file: $name: $why"
        echo "  cmd: cohort $cmd"
        sed 's/^/  stderr: /' "$tmp/err" | head -5
    fi
}

reset_case() {
    name=""; cmd=""; want_exit=0; out_file=""
    : >"$tmp/want_out"; : >"$tmp/want_err"; : >"$tmp/not_out"
}

for file in tests/cli/*.test; do
    reset_case
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
        "#"*) ;;
        "") run_case; reset_case ;;
        "name: "*) name=${line#name: } ;;
        "cmd: "*) cmd=${line#cmd: } ;;
        "exit: "*) want_exit=${line#exit: } ;;
        "stdout: "*) printf '%s\n' "${line#stdout: }" >>"$tmp/want_out" ;;
        "stderr: "*) printf '%s\n' "${line#stderr: }" >>"$tmp/want_err" ;;
        "no-stdout: "*) printf '%s\n' "${line#no-stdout: }" >>"$tmp/not_out" ;;
        "stdout-file: "*) out_file=${line#stdout-file: } ;;
        *) echo "$file: cannot read line: $line"; failed=$((failed + 1)) ;;
        esac
    done <"$file"
    run_case
done
echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
