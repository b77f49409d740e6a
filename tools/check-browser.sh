#!/bin/sh
# tools/check-browser.sh COHORT - run the example studies (colon, and the
# seed study on its synthetic databases, build/haip: make haip-data) and
# open each report.html in headless Chromium; fail when the browser logs
# an error (a console error, a failed load, a bad SVG).  Not part of CI.
set -eu
cohort=${1:-build/plain/cohort}
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "check-browser: chromium is not installed (apt-get install chromium)" >&2
        exit 1
    fi
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for study in examples/colon/study.yaml examples/haip-recurrence/study.yaml; do
    rm -rf "$out/report"
    "$cohort" run "$study" --out "$out/report" --date 2000-01-01 --quiet
    chromium --headless --disable-gpu --no-sandbox --enable-logging=stderr --v=0 \
        --virtual-time-budget=5000 --dump-dom "file://$out/report/report.html" \
        >"$out/dom.html" 2>"$out/log.txt" || true
    # the browser's own complaints about the machine (no D-Bus, no GPU) are
    # not the page's; console messages, script errors and failed loads are
    if grep -v -E "dbus|gpu|GPU|sandbox" "$out/log.txt" | grep -E "CONSOLE|Uncaught|net::ERR|Refused"; then
        echo "check-browser: $study: the report logged errors (above)" >&2
        exit 1
    fi
    grep -q "<svg" "$out/dom.html" || { echo "check-browser: $study: no figure in the page" >&2; exit 1; }
    echo "check-browser: $study: report.html opened without errors"
done
