#!/usr/bin/env bash
# The soak at length: mixed reads and writes (bench/soak.py) at SOAK_CONNS connections for
# SOAK_SECONDS after SOAK_WARMUP seconds of warm-up, against one server on a fresh SQLite
# database, on loopback. Prints the server's memory and descriptors after the warm-up and at
# the end, the latency by third, and whether the soak's bounds are met (exit 0) or not.
#   nice -n 10 bash bench/soak.sh                       # 10 minutes at 64 connections
#   SOAK_SECONDS=1800 SOAK_CONNS=128 bash bench/soak.sh
#   SOAK_BIN=build/asan/jiceng bash bench/soak.sh       # the sanitizer build (its stderr checked for reports)
#   SOAK_CACHE_KIB=16384 bash bench/soak.sh             # SQLite's page caches at their default size
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_=${SOAK_SECONDS:-600}
WARMUP=${SOAK_WARMUP:-60}
CONNS=${SOAK_CONNS:-64}
BIN=${SOAK_BIN:-./jiceng}
[ "$BIN" = ./jiceng ] && make -s jiceng
work=$(mktemp -d /tmp/jiceng-soak-XXXXXX)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
export JICENG_ADMIN_PASSWORD='Bench-Passw0rd!'
"$BIN" init --db "$work/soak.db" >/dev/null
"$BIN" import-divisions --db "$work/soak.db" data/divisions/hefei.csv >/dev/null 2>&1
. bench/serve.sh
# Each SQLite connection's page cache fills as the tables grow, up to --sqlite-cache-kib: with the
# default 16 MiB (several connections) the soak's small database never fills them, and their filling
# reads as growth. SOAK_CACHE_KIB=16384 shows it (bench/RESULTS.md Run 17f).
serve_start "$BIN" "$work/soak.db" --sqlite-cache-kib "${SOAK_CACHE_KIB:-256}"
echo "$(date -u +%FT%TZ) soak: $BIN, $CONNS connections, ${WARMUP} s warm-up, ${SECONDS_} s measured;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
rc=0
python3 bench/soak.py --base "http://127.0.0.1:$port" --pid "$(cat "$work/serve.pid")" --conns "$CONNS" \
    --warmup "$WARMUP" --duration "$SECONDS_" || rc=$?
kill "$(cat "$work/serve.pid")"; wait "$(cat "$work/serve.pid")" || { echo "the server exited non-zero"; rc=1; }
rm "$work/serve.pid"
if grep -E "Sanitizer|runtime error" "$work/serve.err"; then echo "sanitizer reports in the server's stderr"; rc=1; fi
echo "$(date -u +%FT%TZ) done; database $(du -sh "$work/soak.db" | cut -f1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
