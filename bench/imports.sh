#!/usr/bin/env bash
# Memory and responsiveness of resident imports, good and hostile (bench/imports.py):
# peak RSS above the idle server for each file against the 64 MiB ceiling, and /healthz
# answered while the file is read. With BEFORE (a path: an older build), the same files
# against it first.
#   bash bench/imports.sh
#   BEFORE=/path/to/old/jiceng bash bench/imports.sh
#   BENCH_ONLY=imports bash bench/run.sh        # the same, from run.sh
# Writes bench/results/imports.md; copy the figures into bench/RESULTS.md with the command.
set -uo pipefail
cd "$(dirname "$0")/.."
make -s jiceng || exit 1
work=$(mktemp -d /tmp/jiceng-impbench-XXXXXX)
trap 'rm -rf "$work"' EXIT
out=bench/results/imports.md
mkdir -p bench/results
rc=0
{
    if [ -n "${BEFORE:-}" ]; then
        echo "### before: $BEFORE"
        mkdir "$work/before"
        /usr/bin/python3 bench/imports.py "$BEFORE" "$work/before"
        echo
    fi
    echo "### after: ./jiceng"
    mkdir "$work/after"
    /usr/bin/python3 bench/imports.py ./jiceng "$work/after" || rc=1
} 2>/dev/null | tee "$out"
echo "Written to $out"
exit $rc
