#!/bin/sh
# kill -9 of the server at random moments under mixed writes (cases, residents, CSV
# imports, 述职评议 ballots), ROUNDS times, then every answered write checked (each ballot
# with its grade, none half-written), the integrity check and
# `jiceng audit verify` (tests/api/test_crash.py). Usage: bench/crash.sh [ROUNDS] [sqlite|postgres]
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${1:-50}
BACKEND=${2:-sqlite}
[ -x ./jiceng ] || make -j2 jiceng
start=$(date +%s)
JICENG_CRASH_ROUNDS=$ROUNDS JICENG_TEST_BACKEND=$BACKEND JICENG_BIN=$PWD/jiceng \
    nice -n 10 /usr/bin/python3 -m pytest tests/api/test_crash.py -k mixed -p no:cacheprovider -q -s
echo "crash: $ROUNDS rounds on $BACKEND in $(( $(date +%s) - start )) s"
