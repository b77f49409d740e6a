#!/bin/sh
# tools/deps.sh - install the Debian packages Cohort needs, when missing.
# Usage: tools/deps.sh [build|r]   (build: compile, test and demo; r: R for
# golden values and benchmarks).  Needs root for apt-get; says what to run
# otherwise.  Never downloads anything but Debian packages.
set -eu

build_pkgs="build-essential pkg-config libreadstat-dev libsqlite3-dev libgsl-dev libxlsxwriter-dev
libcairo2-dev libfontconfig-dev fonts-dejavu-core libexpat1-dev zlib1g-dev libyaml-dev"
r_pkgs="time r-base-core r-cran-survival r-cran-mass r-cran-data.table r-cran-haven r-cran-jsonlite python3-yaml"

case "${1:-build}" in
build) pkgs=$build_pkgs ;;
r) pkgs=$r_pkgs ;;
*) echo "usage: tools/deps.sh [build|r]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing packages:$missing (no apt-get here: install them by hand)" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages:$missing" >&2
    echo "deps: run as root: apt-get install -y$missing" >&2
    exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
